"""Transforms of the pretraining pipeline that MMCV does not have.

MMPretrain's ``RandomResizedCrop`` and ``PackInputs`` are the ecosystem's,
but ``mmpretrain.datasets.transforms`` imports torchvision (see
:mod:`mmdet_attn.models.classifiers`); these two run without it.
"""
import math
from typing import Sequence, Tuple, Union

import mmcv
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmdet.registry import TRANSFORMS
from mmengine.structures import BaseDataElement


@TRANSFORMS.register_module()
class RandomResizedCrop(BaseTransform):
    """Crop a random area and aspect ratio, then resize to ``scale``: the
    ImageNet training crop (Szegedy et al. CVPR 2015).

    The area is drawn uniformly from ``crop_ratio_range`` times the image's
    and the aspect ratio log-uniformly from ``aspect_ratio_range``; after
    ``max_attempts`` crops that do not fit, the central crop of the largest
    allowed ratio is taken.

    Required keys: ``img``. Modified keys: ``img``, ``img_shape``.

    Args:
        scale (int or tuple[int, int]): Output size, ``(w, h)`` or a side.
        crop_ratio_range (tuple[float, float]): Area range. Defaults to
            ``(0.08, 1.0)``.
        aspect_ratio_range (tuple[float, float]): Width / height range.
            Defaults to ``(3 / 4, 4 / 3)``.
        max_attempts (int): Draws before the fallback. Defaults to 10.
        interpolation (str): ``mmcv.imresize`` interpolation. Defaults to
            ``'bilinear'``.

    Example:
        >>> import numpy as np
        >>> crop = RandomResizedCrop(scale=32)
        >>> crop(dict(img=np.zeros((50, 80, 3), np.uint8)))['img'].shape
        (32, 32, 3)
    """

    def __init__(self,
                 scale: Union[int, Tuple[int, int]],
                 crop_ratio_range: Tuple[float, float] = (0.08, 1.0),
                 aspect_ratio_range: Tuple[float, float] = (3. / 4., 4. / 3.),
                 max_attempts: int = 10,
                 interpolation: str = 'bilinear') -> None:
        self.scale = (scale, scale) if isinstance(scale, int) else tuple(scale)
        if min(self.scale) < 1:
            raise ValueError(f'scale must be positive, got {scale}')
        for name, (low, high) in (('crop_ratio_range', crop_ratio_range),
                                  ('aspect_ratio_range', aspect_ratio_range)):
            if not 0 < low <= high:
                raise ValueError(f'{name} must be (low, high) with '
                                 f'0 < low <= high, got {(low, high)}')
        self.crop_ratio_range = crop_ratio_range
        self.aspect_ratio_range = aspect_ratio_range
        self.max_attempts = max_attempts
        self.interpolation = interpolation

    def _crop_box(self, height: int, width: int) -> Tuple[int, int, int, int]:
        """``(top, left, h, w)`` of a random crop that fits the image."""
        area = height * width
        log_ratio = np.log(self.aspect_ratio_range)
        for _ in range(self.max_attempts):
            target = area * np.random.uniform(*self.crop_ratio_range)
            ratio = math.exp(np.random.uniform(*log_ratio))
            w = int(round(math.sqrt(target * ratio)))
            h = int(round(math.sqrt(target / ratio)))
            if 0 < w <= width and 0 < h <= height:
                return (np.random.randint(0, height - h + 1),
                        np.random.randint(0, width - w + 1), h, w)
        ratio = min(
            max(width / height, self.aspect_ratio_range[0]),
            self.aspect_ratio_range[1])
        w = min(width, int(round(height * ratio)))
        h = min(height, int(round(w / ratio)))
        return (height - h) // 2, (width - w) // 2, h, w

    def transform(self, results: dict) -> dict:
        """Crop and resize ``results['img']``."""
        img = results['img']
        top, left, h, w = self._crop_box(*img.shape[:2])
        img = mmcv.imresize(
            img[top:top + h, left:left + w],
            self.scale,
            interpolation=self.interpolation)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        return results


@TRANSFORMS.register_module()
class PackClassificationInputs(BaseTransform):
    """Pack an image and its label for :class:`ImageClassifier`.

    Required keys: ``img``, ``gt_label``. Added keys: ``inputs`` (a
    ``3 x H x W`` uint8 tensor) and ``data_samples`` (a ``BaseDataElement``
    with ``gt_label`` and the ``meta_keys`` present).

    Args:
        meta_keys (Sequence[str]): Keys kept as metainfo. Defaults to
            ``('img_path', 'ori_shape', 'img_shape')``.

    Example:
        >>> import numpy as np
        >>> packed = PackClassificationInputs()(
        ...     dict(img=np.zeros((4, 6, 3), np.uint8), gt_label=2))
        >>> tuple(packed['inputs'].shape), packed['data_samples'].gt_label
        ((3, 4, 6), tensor([2]))
    """

    def __init__(
        self,
        meta_keys: Sequence[str] = ('img_path', 'ori_shape', 'img_shape')
    ) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        """Move the image to a CHW tensor and the label to a data sample."""
        img = np.ascontiguousarray(results['img'].transpose(2, 0, 1))
        sample = BaseDataElement(
            metainfo={k: results[k]
                      for k in self.meta_keys if k in results})
        sample.gt_label = torch.tensor([int(results['gt_label'])])
        return dict(inputs=torch.from_numpy(img), data_samples=sample)
