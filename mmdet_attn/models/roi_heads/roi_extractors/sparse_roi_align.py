"""RoIAlign as a sparse interpolation matrix (Mask R-CNN's RoIAlign, He et
al., ICCV 2017), for CPU training."""
import warnings
from typing import Tuple, Union

import torch
import torch.nn as nn
from mmcv.ops import roi_align
from mmdet.registry import MODELS
from torch import Tensor
from torch.nn.modules.utils import _pair


def _axis_samples(start: Tensor, size: Tensor, bins: int, samples: int,
                  length: int) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    """Bilinear neighbours and weights of a RoI's samples along one axis.

    Args:
        start (Tensor): ``K`` RoI starts in feature-map pixels.
        size (Tensor): ``K`` RoI extents.
        bins (int): Output bins along the axis.
        samples (int): Samples per bin.
        length (int): The feature map's extent.

    Returns:
        tuple[Tensor]: lower and upper neighbour indices and their weights,
        each ``K x (bins * samples)``; a sample more than one pixel off the
        map has weight 0, one within it is clamped to the border (as MMCV's
        kernel does).
    """
    steps = torch.arange(
        bins * samples, dtype=start.dtype, device=start.device)
    pos = start[:, None] + (size / bins)[:, None] * (steps + 0.5) / samples
    inside = ((pos >= -1) & (pos <= length)).to(pos.dtype)
    pos = pos.clamp(min=0)
    low = pos.floor().long().clamp(max=length - 1)
    high = (low + 1).clamp(max=length - 1)
    frac = torch.where(low >= length - 1, torch.zeros_like(pos),
                       pos - low.to(pos.dtype))
    return low, high, (1 - frac) * inside, frac * inside


@MODELS.register_module()
class SparseRoIAlign(nn.Module):
    """RoIAlign with average pooling, on CPU one sparse matrix product.

    Each output cell is a fixed linear combination of feature-map pixels
    (``sampling_ratio ** 2`` bilinear samples, 4 pixels each), so the op is
    a sparse ``(K * h * w) x (N * H * W)`` matrix times the channels-last
    feature map, and its backward the transposed product. The values are
    MMCV's ``RoIAlign`` (same sampling points, border rules and
    ``aligned`` offset) up to float rounding; on CPU it is several times
    faster in forward+backward than MMCV's kernel, which runs on one
    thread and recomputes the interpolation for every channel in backward
    (``docs/cpu_training.md``). On other devices it calls MMCV's
    ``roi_align``.

    Args:
        output_size (int or tuple[int, int]): ``h, w`` of each RoI's map.
        spatial_scale (float): Feature-map pixels per image pixel.
        sampling_ratio (int): Samples per bin along each axis; must be > 0
            (MMCV's adaptive count, 0, gives each RoI its own count).
            Defaults to 2.
        pool_mode (str): Only ``'avg'`` (a maximum is not linear).
        aligned (bool): Shift by half a pixel, as MMCV's ``aligned``.
            Defaults to True.

    Example:
        >>> import torch
        >>> layer = SparseRoIAlign(7, spatial_scale=0.25)
        >>> feats = torch.rand(2, 8, 16, 16)
        >>> rois = torch.tensor([[0., 4., 4., 40., 30.],
        ...                      [1., 0., 0., 64., 64.]])
        >>> tuple(layer(feats, rois).shape)
        (2, 8, 7, 7)
    """

    def __init__(self,
                 output_size: Union[int, Tuple[int, int]],
                 spatial_scale: float = 1.,
                 sampling_ratio: int = 2,
                 pool_mode: str = 'avg',
                 aligned: bool = True) -> None:
        super().__init__()
        if not isinstance(sampling_ratio, int) or sampling_ratio < 1:
            raise ValueError(
                'SparseRoIAlign needs a fixed sampling_ratio >= 1 (e.g. 2), '
                f'got {sampling_ratio!r}; MMCV\'s adaptive 0 is not '
                'supported: use RoIAlign for it')
        if pool_mode != 'avg':
            raise ValueError("SparseRoIAlign supports pool_mode='avg' only, "
                             f'got {pool_mode!r}; use RoIAlign for max')
        self.output_size = _pair(output_size)
        self.spatial_scale = float(spatial_scale)
        self.sampling_ratio = sampling_ratio
        self.aligned = aligned

    def forward(self, input: Tensor, rois: Tensor) -> Tensor:
        """Pool each RoI.

        Args:
            input (Tensor): ``N x C x H x W`` feature map.
            rois (Tensor): ``K x 5`` rows ``(batch index, x1, y1, x2, y2)``
                in image pixels.

        Returns:
            Tensor: ``K x C x h x w``.
        """
        if input.device.type != 'cpu':
            return roi_align(input, rois, self.output_size, self.spatial_scale,
                             self.sampling_ratio, 'avg', self.aligned)
        n, c, height, width = input.shape
        out_h, out_w = self.output_size
        s = self.sampling_ratio
        k = rois.size(0)
        boxes = rois[:, 1:].float() * self.spatial_scale - (0.5 if self.aligned
                                                            else 0.)
        box_w = boxes[:, 2] - boxes[:, 0]
        box_h = boxes[:, 3] - boxes[:, 1]
        if not self.aligned:
            box_w, box_h = box_w.clamp(min=1), box_h.clamp(min=1)
        y_low, y_high, wy_low, wy_high = _axis_samples(boxes[:, 1], box_h,
                                                       out_h, s, height)
        x_low, x_high, wx_low, wx_high = _axis_samples(boxes[:, 0], box_w,
                                                       out_w, s, width)
        # Axes: RoI, out row, out column, sample row, y neighbour,
        # sample column, x neighbour.
        rows = torch.stack([y_low, y_high], -1).view(k, out_h, 1, s, 2, 1, 1)
        cols = torch.stack([x_low, x_high], -1).view(k, 1, out_w, 1, 1, s, 2)
        row_w = torch.stack([wy_low, wy_high],
                            -1).view(k, out_h, 1, s, 2, 1, 1)
        col_w = torch.stack([wx_low, wx_high],
                            -1).view(k, 1, out_w, 1, 1, s, 2)
        image = rois[:, 0].long().view(k, 1, 1, 1, 1, 1, 1)
        pixels = (image * height + rows) * width + cols
        weights = row_w * col_w / (s * s)
        per_cell = 4 * s * s
        dtype = torch.promote_types(input.dtype, torch.float32)
        with warnings.catch_warnings():
            # torch notes once per process that sparse CSR is in beta.
            warnings.simplefilter('ignore', UserWarning)
            matrix = torch.sparse_csr_tensor(
                torch.arange(0, k * out_h * out_w * per_cell + 1, per_cell),
                pixels.reshape(-1),
                weights.reshape(-1).to(dtype),
                size=(k * out_h * out_w, n * height * width))
        flat = input.to(dtype).permute(0, 2, 3, 1).reshape(-1, c)
        pooled = torch.sparse.mm(matrix, flat).view(k, out_h, out_w, c)
        return pooled.permute(0, 3, 1, 2).contiguous().to(input.dtype)

    def extra_repr(self) -> str:
        return (f'output_size={self.output_size}, '
                f'spatial_scale={self.spatial_scale}, '
                f'sampling_ratio={self.sampling_ratio}, '
                f'aligned={self.aligned}')
