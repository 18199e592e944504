"""Metrics of mmdet-attn, registered in MMDetection's ``METRICS``."""
from .top_k_accuracy import TopKAccuracy

__all__ = ['TopKAccuracy']
