"""The pretrained COCO configs: a plain ImageNet ResNet loaded into an
attention backbone computes exactly the plain ResNet at step 0, and every
attention parameter learns from the first step."""
import pytest
import torch
from backbone_checks import randomize
from mmdet.models.backbones import ResNet
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope
from tool_runner import CONFIG_DIR

import mmdet_attn  # noqa: F401

#: COCO config -> parameter-name prefixes that learn from the second step
#: only: the gate's psi conv and the scale of the norm after it (psi's
#: input is constant at step 0, and that norm, in train mode, normalises it
#: to zero), the non-local block's inner convs (MMCV starts its output conv
#: at zero).
GATE_PSI = ('gate.psi.conv.weight', 'gate.psi.bn.weight')
IDENTITY_CONFIGS = {
    'faster_rcnn_eca_r50.py': (),
    'faster_rcnn_cbam_r50.py': (),
    'faster_rcnn_sam_r50.py': (),
    'faster_rcnn_attn_r18.py':
    GATE_PSI,
    'faster_rcnn_attn_r18_nonlocal.py':
    GATE_PSI + ('non_local.g.', 'non_local.theta.', 'non_local.phi.'),
}


def _backbone_cfg(config: str) -> dict:
    init_default_scope('mmdet')
    cfg = Config.fromfile(CONFIG_DIR / config).model.backbone.to_dict()
    assert cfg.pop('init_cfg')['type'] == 'Pretrained'
    return cfg


@pytest.mark.parametrize('config', list(IDENTITY_CONFIGS))
def test_starts_as_the_plain_resnet_and_learns_attention(config):
    torch.manual_seed(0)
    cfg = _backbone_cfg(config)
    plain = randomize(ResNet(cfg['depth']))
    model = MODELS.build(cfg)
    model.init_weights()
    missing, unexpected = model.load_state_dict(
        plain.state_dict(), strict=False)
    assert not unexpected and missing

    # Step 0: the plain ResNet (eval mode), up to float rounding: the CPU's
    # kernels can sum in another order (1.1e-5 on outputs of about 1.7 seen
    # on an Intel Xeon with the non-local blocks).
    x = torch.rand(2, 3, 48, 64)
    plain.eval()  # ResNet.train returns None
    model.eval()
    with torch.no_grad():
        expected, outs = plain(x), model(x)
    assert len(outs) == len(expected)
    for out, ref in zip(outs, expected):
        torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-5)

    # First backward pass (train mode as configured: frozen stage 1, BN in
    # eval mode): every attention parameter gets gradient.
    model.train()
    outs = model(x)
    sum((o * torch.randn_like(o)).sum() for o in outs).backward()
    trunk = set(dict(plain.named_parameters()))
    attention = {n: p for n, p in model.named_parameters() if n not in trunk}
    assert attention and set(attention) <= set(missing)
    silent = IDENTITY_CONFIGS[config]
    for name, param in attention.items():
        # Float rounding leaves ~1e-9 where the exact gradient is zero.
        learns = param.grad is not None and param.grad.abs().max() > 1e-6
        assert learns or any(f'.{prefix}' in name for prefix in silent), name
