"""Mish activation, registered so that configs can say ``dict(type='Mish')``.

Paper: D. Misra, "Mish: A Self Regularized Non-Monotonic Activation
Function", BMVC 2020, https://arxiv.org/abs/1908.08681

Formula: ``mish(x) = x * tanh(softplus(x)) = x * tanh(ln(1 + e^x))``.

PyTorch already ships it as :class:`torch.nn.Mish`, so nothing is
re-implemented: this module only registers that class under ``'Mish'``.
It is registered in MMEngine's root ``MODELS`` registry, next to the
activations MMCV registers there (ReLU, SiLU, GELU, ...), and not only in
MMDetection's child registry: MMCV's ``ConvModule`` builds its activation
with ``build_activation_layer``, which looks in the root registry, and would
find a name registered only in ``mmdet``'s registry only while the default
scope is ``'mmdet'``. MMDetection's ``MODELS`` reaches the root entry
through its parent, so ``mmdet.registry.MODELS.get('Mish')`` returns it too.
If MMCV or MMDetection registers a ``Mish`` of their own in a later
version, theirs is kept (no double registration).

Shape contract: elementwise, any shape. Parameters: 0.

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
