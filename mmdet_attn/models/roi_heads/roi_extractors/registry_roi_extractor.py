"""MMDetection's single-level RoI extractor with RoI layers from the
registry."""
from typing import List

import torch.nn as nn
from mmcv import ops
from mmdet.models.roi_heads.roi_extractors import SingleRoIExtractor
from mmdet.registry import MODELS
from mmdet.utils import ConfigType


@MODELS.register_module()
class RegistryRoIExtractor(SingleRoIExtractor):
    """:class:`~mmdet.models.roi_heads.SingleRoIExtractor` whose
    ``roi_layer`` may be any layer of the ``MODELS`` registry.

    MMDetection's extractor builds its RoI layers from ``mmcv.ops`` only;
    this one looks the type up in ``MODELS`` first (e.g.
    :class:`SparseRoIAlign`) and otherwise takes it from ``mmcv.ops`` as
    MMDetection does. Everything else (level mapping, ``finest_scale``,
    checkpoints) is the parent's.

    Example:
        >>> import torch
        >>> extractor = RegistryRoIExtractor(
        ...     roi_layer=dict(type='SparseRoIAlign', output_size=7),
        ...     out_channels=8, featmap_strides=[4, 8])
        >>> feats = (torch.rand(1, 8, 16, 16), torch.rand(1, 8, 8, 8))
        >>> rois = torch.tensor([[0., 2., 2., 30., 30.]])
        >>> tuple(extractor(feats, rois).shape)
        (1, 8, 7, 7)
    """

    def build_roi_layers(self, layer_cfg: ConfigType,
                         featmap_strides: List[int]) -> nn.ModuleList:
        """One RoI layer per level, ``spatial_scale = 1 / stride``.

        Args:
            layer_cfg (dict): ``type`` (a ``MODELS`` or ``mmcv.ops`` name)
                and the layer's other arguments.
            featmap_strides (list[int]): Stride of each input level.

        Returns:
            nn.ModuleList: The layers.
        """
        cfg = dict(layer_cfg)
        layer_type = cfg.get('type')
        if isinstance(layer_type, str) and MODELS.get(layer_type) is not None:
            return nn.ModuleList(
                MODELS.build(dict(cfg, spatial_scale=1 / s))
                for s in featmap_strides)
        if isinstance(layer_type, str) and not hasattr(ops, layer_type):
            raise KeyError(
                f'roi_layer type {layer_type!r} is neither in the MODELS '
                'registry nor in mmcv.ops; e.g. SparseRoIAlign or RoIAlign')
        return super().build_roi_layers(layer_cfg, featmap_strides)
