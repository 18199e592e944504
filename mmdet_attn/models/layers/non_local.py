"""Non-local block, MMCV's ``NonLocal2d`` with what this library needs.

Paper: X. Wang, R. Girshick, A. Gupta and K. He, "Non-local Neural
Networks", CVPR 2018, https://arxiv.org/abs/1711.07971

Formula (Eqs. 1-2, 6), embedded Gaussian, for ``x`` of shape
``N x C x H x W`` with ``C_i = max(C // reduction, 1)`` and positions
``i, j`` over ``H W``::

    f(i, j) = softmax_j(theta(x_i)^T phi(x_j) / sqrt(C_i))  (use_scale=True)
    y_i     = sum_j f(i, j) g(x_j)
    out     = x + W_z y

``theta``, ``phi``, ``g`` are 1x1 convs ``C -> C_i`` and ``W_z`` a 1x1 conv
``C_i -> C`` (optionally with a norm), zero-initialised so the block starts
as the identity. ``mode`` also offers ``gaussian``, ``dot_product`` and
``concatenation`` (Sec. 3.2); ``sub_sample`` max-pools ``phi`` and ``g``
by 2 (then ``H, W >= 2``).

All of that is :class:`mmcv.cnn.NonLocal2d`, reused as is. This subclass
adds only what it lacks here: registration in MMDetection's ``MODELS``
under its own name ``NonLocalBlock`` (so it does not shadow MMCV's
``NonLocal2d``, which stays usable under that name), the channel check, the
optional kept attention map, and an ``init_weights()`` that keeps the
constructor's ``std``/``zeros_init`` when a parent re-initialises its
children (MMCV's falls back to its defaults).

Shape contract: ``N x C x H x W -> N x C x H x W`` for any N, C, H, W >= 1.

Cost (embedded Gaussian, no norm): ``4 C C_i + 3 C_i + C`` parameters.
FLOPs: ``4 N H W C C_i`` multiply-adds (the 1x1 convs) ``+ 2 N (H W) (H W')
C_i`` (pairwise product and aggregation) ``+ N (H W) (H W')`` (softmax),
with ``H W' = H W`` or ``H W / 4`` with ``sub_sample``: quadratic in the
number of positions, so keep it to coarse maps. The kept map is
``N x HW x HW'``: only switch it on for small inputs.

Example:
    >>> import torch
    >>> from mmdet_attn.models.layers import NonLocalBlock
    >>> block = NonLocalBlock(in_channels=64)
    >>> x = torch.rand(2, 64, 7, 9)
    >>> torch.equal(block(x), x)  # zero-initialised W_z
    True
"""
from typing import Callable, Dict, Optional

from mmcv.cnn import NonLocal2d
from mmdet.registry import MODELS
from mmdet.utils import OptConfigType
from torch import Tensor

from .base import AttentionMapMixin
from .precision import autocast_off, weight_dtype


@MODELS.register_module()
class NonLocalBlock(AttentionMapMixin, NonLocal2d):
    """Non-local block (MMCV's ``NonLocal2d``); see the module docstring.

    Args:
        in_channels (int): Channels ``C`` of the input (and output).
        reduction (int): ``C_i = max(C // reduction, 1)``. Defaults to 2.
        use_scale (bool): Divide the embedded-Gaussian logits by
            ``sqrt(C_i)``. Defaults to True.
        sub_sample (bool): Max-pool ``phi`` and ``g`` by 2. Defaults to False.
        conv_cfg (dict): Config of the 1x1 convs. Defaults to Conv2d.
        norm_cfg (dict, optional): Norm after ``W_z``. Defaults to None.
        mode (str): ``'embedded_gaussian'`` (default), ``'gaussian'``,
            ``'dot_product'`` or ``'concatenation'``.
        zeros_init (bool): Zero-initialise ``W_z`` (or its norm), so the
            block starts as the identity. Defaults to True.
        std (float): Std of the normal init of the other convs.
            Defaults to 0.01.
        keep_attention_map (bool): Keep the last pairwise weights ``f``
            (``N x HW x HW'``, detached) in ``attention_map``. Defaults to
            False.
    """

    _abbr_ = 'non_local'

    def __init__(self,
                 in_channels: int,
                 reduction: int = 2,
                 use_scale: bool = True,
                 sub_sample: bool = False,
                 conv_cfg: Dict = dict(type='Conv2d'),
                 norm_cfg: OptConfigType = None,
                 mode: str = 'embedded_gaussian',
                 zeros_init: bool = True,
                 std: float = 0.01,
                 keep_attention_map: bool = False) -> None:
        super().__init__(
            in_channels,
            sub_sample=sub_sample,
            conv_cfg=conv_cfg,
            reduction=reduction,
            use_scale=use_scale,
            norm_cfg=norm_cfg,
            mode=mode,
            zeros_init=zeros_init,
            std=std)
        self._init_attention_state(in_channels, keep_attention_map)
        self.init_std = std
        self.zeros_init = zeros_init

    def init_weights(self,
                     std: Optional[float] = None,
                     zeros_init: Optional[bool] = None) -> None:
        """Initialise as MMCV does, by default with the constructor's values.

        Args:
            std (float, optional): Std of the normal init. Defaults to the
                constructor's ``std``.
            zeros_init (bool, optional): Zero-initialise ``W_z``. Defaults to
                the constructor's ``zeros_init``.
        """
        super().init_weights(
            std=self.init_std if std is None else std,
            zeros_init=self.zeros_init if zeros_init is None else zeros_init)

    def forward(self, x: Tensor) -> Tensor:
        """Add the non-local response to ``x``.

        Args:
            x (Tensor): ``N x C x H x W`` feature map.

        Returns:
            Tensor: ``N x C x H x W``, ``x + W_z y``.
        """
        self._check_input(x)
        return super().forward(x)

    def _pairwise(self, pairwise_func: Callable[[Tensor, Tensor], Tensor],
                  theta_x: Tensor, phi_x: Tensor) -> Tensor:
        """``pairwise_func(theta_x, phi_x)`` in float32 under autocast
        (logits, then softmax; see precision.py), kept when enabled."""
        dtype = weight_dtype(theta_x, self.conv_out.conv.weight)
        with autocast_off(theta_x):
            return self._keep(
                pairwise_func(theta_x.to(dtype), phi_x.to(dtype)))

    def gaussian(self, theta_x: Tensor, phi_x: Tensor) -> Tensor:
        """MMCV's Gaussian pairwise weights, kept when enabled."""
        return self._pairwise(super().gaussian, theta_x, phi_x)

    def embedded_gaussian(self, theta_x: Tensor, phi_x: Tensor) -> Tensor:
        """MMCV's embedded-Gaussian pairwise weights, kept when enabled."""
        return self._pairwise(super().embedded_gaussian, theta_x, phi_x)

    def dot_product(self, theta_x: Tensor, phi_x: Tensor) -> Tensor:
        """MMCV's dot-product pairwise weights, kept when enabled."""
        return self._pairwise(super().dot_product, theta_x, phi_x)

    def concatenation(self, theta_x: Tensor, phi_x: Tensor) -> Tensor:
        """MMCV's concatenation pairwise weights, kept when enabled."""
        return self._pairwise(super().concatenation, theta_x, phi_x)
