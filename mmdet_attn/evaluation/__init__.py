"""Metrics of mmdet-attn, registered in MMDetection's ``METRICS``: a COCO
metric that agrees with :class:`~mmdet_attn.datasets.StrictCocoDataset`,
and top-k accuracy for pretraining."""
from .strict_coco_metric import StrictCocoMetric
from .top_k_accuracy import TopKAccuracy

__all__ = ['StrictCocoMetric', 'TopKAccuracy']
