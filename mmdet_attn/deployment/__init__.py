"""Deployment helpers (ONNX). Needs ``requirements-deploy.txt``; not
imported by ``import mmdet_attn``."""
from .backbone_onnx import (MIN_OPSET, build_backbone,
                            compare_with_onnxruntime, export_backbone_onnx)

__all__ = [
    'MIN_OPSET', 'build_backbone', 'compare_with_onnxruntime',
    'export_backbone_onnx'
]
