"""RoI-head parts, registered in MMDetection's ``MODELS``."""
from .roi_extractors import RegistryRoIExtractor, SparseRoIAlign

__all__ = ['RegistryRoIExtractor', 'SparseRoIAlign']
