"""Mish (Misra, BMVC 2020), PyTorch's ``nn.Mish`` registered as ``'Mish'``.

Registered in MMEngine's root ``MODELS`` (where MMCV's activations are, so
``ConvModule`` finds it under any default scope), unless MMCV or
MMDetection already register one.

Example:
    >>> import torch
    >>> from mmcv.cnn import build_activation_layer
    >>> import mmdet_attn.models.layers.mish  # noqa: F401
    >>> act = build_activation_layer(dict(type='Mish'))
    >>> act(torch.zeros(2)).tolist()
    [0.0, 0.0]
"""
import torch.nn as nn
from mmdet.registry import MODELS as MMDET_MODELS
from mmengine.registry import MODELS as ROOT_MODELS

if MMDET_MODELS.get('Mish') is None:
    ROOT_MODELS.register_module(name='Mish', module=nn.Mish)

Mish = MMDET_MODELS.get('Mish')

__all__ = ['Mish']
