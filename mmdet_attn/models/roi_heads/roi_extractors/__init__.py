"""RoI feature extractors and their RoI layers."""
from .registry_roi_extractor import RegistryRoIExtractor
from .sparse_roi_align import SparseRoIAlign

__all__ = ['RegistryRoIExtractor', 'SparseRoIAlign']
