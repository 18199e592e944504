"""Datasets of mmdet-attn: the synthetic ``custom27`` generator, a COCO
dataset that validates its annotation file, and the ImageNet-layout folder
dataset (with its transforms) that pretrains backbones."""
from .classification_transforms import (PackClassificationInputs,
                                        RandomResizedCrop)
from .image_folder import ImageFolderDataset
from .strict_coco import StrictCocoDataset
from .synthetic_custom27 import CUSTOM27_CLASSES, generate_custom27

__all__ = [
    'CUSTOM27_CLASSES', 'generate_custom27', 'ImageFolderDataset',
    'PackClassificationInputs', 'RandomResizedCrop', 'StrictCocoDataset'
]
