"""Non-local Neural Networks (Wang et al., CVPR 2018), on MMCV's NonLocal2d."""
from typing import Callable, Dict, Optional

from mmcv.cnn import NonLocal2d
from mmdet.registry import MODELS
from mmdet.utils import OptConfigType
from torch import Tensor

from .base import AttentionMapMixin, autocast_off


@MODELS.register_module()
class NonLocalBlock(AttentionMapMixin, NonLocal2d):
    """Non-local block: ``x + W_z sum_j f(x_i, x_j) g(x_j)``.

    MMCV's ``NonLocal2d`` with the input check, the pairwise weights in
    float32 under autocast and ``init_weights`` keeping ``std`` and
    ``zeros_init``; no :class:`Gate` (its weights are ``N x HW x HW``).

    Args:
        in_channels (int): Channels ``C`` of the input (and output).
        reduction (int): ``C_i = max(C // reduction, 1)``. Defaults to 2.
        use_scale (bool): Divide the logits by ``sqrt(C_i)``. Defaults to True.
        sub_sample (bool): Max-pool ``phi`` and ``g`` by 2. Defaults to False.
        conv_cfg (dict): Config of the 1x1 convs. Defaults to Conv2d.
        norm_cfg (dict, optional): Norm after ``W_z``. Defaults to None.
        mode (str): ``'embedded_gaussian'`` (default), ``'gaussian'``,
            ``'dot_product'`` or ``'concatenation'``.
        zeros_init (bool): Start ``W_z`` at zero. Defaults to True.
        std (float): Std of the other convs' init. Defaults to 0.01.
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
                 std: float = 0.01) -> None:
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
        self.init_std = std
        self.zeros_init = zeros_init

    def init_weights(self,
                     std: Optional[float] = None,
                     zeros_init: Optional[bool] = None) -> None:
        """MMCV's, by default with the constructor's std and zeros_init."""
        super().init_weights(
            std=self.init_std if std is None else std,
            zeros_init=self.zeros_init if zeros_init is None else zeros_init)

    def forward(self, x: Tensor) -> Tensor:
        """``x + W_z y`` for ``x`` of ``N x C x H x W``."""
        self._check_input(x)
        return super().forward(x)

    def _pairwise(self, pairwise_func: Callable[[Tensor, Tensor], Tensor],
                  theta_x: Tensor, phi_x: Tensor) -> Tensor:
        """``pairwise_func(theta_x, phi_x)`` in float32 under autocast."""
        dtype = self.conv_out.conv.weight.dtype
        with autocast_off(theta_x):
            return pairwise_func(theta_x.to(dtype), phi_x.to(dtype))

    def gaussian(self, theta_x: Tensor, phi_x: Tensor) -> Tensor:
        return self._pairwise(super().gaussian, theta_x, phi_x)

    def embedded_gaussian(self, theta_x: Tensor, phi_x: Tensor) -> Tensor:
        return self._pairwise(super().embedded_gaussian, theta_x, phi_x)

    def dot_product(self, theta_x: Tensor, phi_x: Tensor) -> Tensor:
        return self._pairwise(super().dot_product, theta_x, phi_x)

    def concatenation(self, theta_x: Tensor, phi_x: Tensor) -> Tensor:
        return self._pairwise(super().concatenation, theta_x, phi_x)
