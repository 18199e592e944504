"""Evaluation of mmdet-attn: a COCO metric that agrees with
:class:`~mmdet_attn.datasets.StrictCocoDataset`."""
from .strict_coco_metric import StrictCocoMetric

__all__ = ['StrictCocoMetric']
