"""Datasets of mmdet-attn: a COCO dataset that validates its annotation
file and labels by class name, the ImageNet-layout folder dataset (with its
transforms) that pretrains backbones, and the class names of the synthetic
``custom27`` set. Its generator,
:mod:`mmdet_attn.datasets.synthetic_custom27`, is imported by the tool that
runs it (``tools/misc/generate_custom27.py``), not here."""
from .classification_transforms import (PackClassificationInputs,
                                        RandomResizedCrop)
from .coco_categories import category_ids_by_name
from .custom27_classes import CUSTOM27_CLASSES
from .image_folder import ImageFolderDataset
from .strict_coco import NameOrderedCOCO, StrictCocoDataset

__all__ = [
    'CUSTOM27_CLASSES', 'category_ids_by_name', 'ImageFolderDataset',
    'NameOrderedCOCO', 'PackClassificationInputs', 'RandomResizedCrop',
    'StrictCocoDataset'
]
