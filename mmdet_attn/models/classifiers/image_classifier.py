"""A backbone, global average pooling and a linear head: the classifier
that pretrains this package's backbones on an ImageNet-layout folder.

MMPretrain's ``ImageClassifier`` is the ecosystem's own, but importing
``mmpretrain.models`` imports torchvision, which has no CPU build for the
torch this package runs on; this small one runs wherever MMDetection runs.
Its checkpoints keep the backbone's weights under ``backbone.``, as
MMPretrain's do, so a detector loads them with
``init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=...)``.
"""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from torch import Tensor


@MODELS.register_module()
class ImageClassifier(BaseModel):
    """Classify images from the last feature map of a detection backbone.

    ``logits = fc(dropout(GAP(backbone(x)[-1])))``, trained with
    cross-entropy (optionally label-smoothed).

    Args:
        backbone (dict): Backbone config; its last returned map is pooled.
        num_classes (int): Number of classes.
        in_channels (int): Channels of the backbone's last returned map.
        label_smooth (float): Label smoothing of the loss. Defaults to 0.
        dropout (float): Dropout before the linear head. Defaults to 0.
        data_preprocessor (dict, optional): Normalisation and batching,
            e.g. MMEngine's ``ImgDataPreprocessor``. Defaults to None.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to a normal init of the head.

    Example:
        >>> import torch
        >>> import mmdet_attn  # noqa: F401 (registers the backbones)
        >>> model = ImageClassifier(
        ...     backbone=dict(type='ResNet', depth=18),
        ...     num_classes=10, in_channels=512)
        >>> model(torch.rand(2, 3, 64, 64), mode='tensor').shape
        torch.Size([2, 10])
    """

    def __init__(
        self,
        backbone: ConfigType,
        num_classes: int,
        in_channels: int,
        label_smooth: float = 0.,
        dropout: float = 0.,
        data_preprocessor: OptConfigType = None,
        init_cfg: OptMultiConfig = dict(
            type='Normal', layer='Linear', std=0.01)
    ) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if num_classes < 1:
            raise ValueError(f'num_classes must be >= 1, got {num_classes}')
        if not 0 <= label_smooth < 1:
            raise ValueError(
                f'label_smooth must be in [0, 1), got {label_smooth}')
        self.backbone = MODELS.build(backbone)
        self.num_classes = num_classes
        self.label_smooth = label_smooth
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(
        self,
        inputs: Tensor,
        data_samples: Optional[List[BaseDataElement]] = None,
        mode: str = 'tensor'
    ) -> Union[Dict[str, Tensor], Tensor, List[BaseDataElement]]:
        """Logits (``'tensor'``), losses (``'loss'``) or predictions
        (``'predict'``), as every MMEngine model.

        Args:
            inputs (Tensor): ``N x 3 x H x W`` images, normalised.
            data_samples (list[BaseDataElement], optional): One per image,
                with ``gt_label`` for ``'loss'``.
            mode (str): ``'tensor'``, ``'loss'`` or ``'predict'``.

        Returns:
            Tensor, dict or list: ``N x num_classes`` logits; ``{'loss':
            ..., 'accuracy': ...}``; or the data samples with
            ``pred_score`` (softmax) and ``pred_label`` set.
        """
        logits = self.fc(self.dropout(self.extract_feat(inputs)))
        if mode == 'tensor':
            return logits
        if mode == 'loss':
            labels = torch.cat([s.gt_label for s in data_samples])
            loss = F.cross_entropy(
                logits, labels, label_smoothing=self.label_smooth)
            accuracy = (logits.argmax(1) == labels).float().mean()
            return dict(loss=loss, accuracy=accuracy.detach())
        if mode == 'predict':
            if data_samples is None:
                data_samples = [BaseDataElement() for _ in range(len(inputs))]
            scores = logits.softmax(dim=1)
            for sample, score in zip(data_samples, scores):
                sample.set_field(score, 'pred_score')
                sample.set_field(score.argmax().view(1), 'pred_label')
            return data_samples
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', "
                         f'got {mode!r}')

    def extract_feat(self, inputs: Tensor) -> Tensor:
        """Globally average-pooled last backbone map, ``N x C``."""
        return self.backbone(inputs)[-1].mean(dim=(2, 3))
