"""Mish (Misra, BMVC 2020): PyTorch's ``nn.Mish`` registered as ``'Mish'``
in MMEngine's root ``MODELS`` (where MMCV's ``build_activation_layer``
looks), unless MMCV or MMDetection register one."""
import torch.nn as nn
from mmdet.registry import MODELS as MMDET_MODELS
from mmengine.registry import MODELS as ROOT_MODELS

if MMDET_MODELS.get('Mish') is None:
    ROOT_MODELS.register_module(name='Mish', module=nn.Mish)

Mish = MMDET_MODELS.get('Mish')

__all__ = ['Mish']
