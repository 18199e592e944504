"""Datasets of mmdet-attn: the synthetic ``custom27`` generator and a COCO
dataset that validates its annotation file."""
from .strict_coco import StrictCocoDataset
from .synthetic_custom27 import CUSTOM27_CLASSES, generate_custom27

__all__ = ['CUSTOM27_CLASSES', 'generate_custom27', 'StrictCocoDataset']
