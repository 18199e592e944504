"""Datasets of mmdet-attn: the synthetic ``custom27`` generator, a COCO
dataset that validates its annotation file and labels by class name, and
the ImageNet-layout folder dataset (with its transforms) that pretrains
backbones."""
from .classification_transforms import (PackClassificationInputs,
                                        RandomResizedCrop)
from .coco_categories import category_ids_by_name
from .image_folder import ImageFolderDataset
from .strict_coco import NameOrderedCOCO, StrictCocoDataset
from .synthetic_custom27 import CUSTOM27_CLASSES, generate_custom27

__all__ = [
    'CUSTOM27_CLASSES', 'generate_custom27', 'category_ids_by_name',
    'ImageFolderDataset', 'NameOrderedCOCO', 'PackClassificationInputs',
    'RandomResizedCrop', 'StrictCocoDataset'
]
