"""Datasets of mmdet-attn: the synthetic ``custom27`` generator and a COCO
dataset that validates its annotation file and labels by class name."""
from .coco_categories import category_ids_by_name
from .strict_coco import NameOrderedCOCO, StrictCocoDataset
from .synthetic_custom27 import CUSTOM27_CLASSES, generate_custom27

__all__ = [
    'CUSTOM27_CLASSES', 'generate_custom27', 'category_ids_by_name',
    'NameOrderedCOCO', 'StrictCocoDataset'
]
