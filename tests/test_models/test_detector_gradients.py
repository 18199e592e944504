"""Every detector config trains under DDP with ``find_unused_parameters``
off: one backward of each config's model gives every parameter that
requires grad a gradient, and two gloo ranks train one config per backbone
family for two iterations (DDP fails on the second when a parameter got no
gradient in the first)."""
import datetime
from pathlib import Path
from typing import Tuple

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from config_backbones import NARROW
from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs
from mmengine.config import Config
from mmengine.model import MMDistributedDataParallel
from mmengine.registry import init_default_scope
from tool_runner import CONFIG_DIR

#: Every detector config, COCO and dataset twins.
DETECTOR_CONFIGS = sorted(p.name for p in CONFIG_DIR.glob('*.py'))
#: One ``_custom27`` config per backbone family.
FAMILY_CONFIGS = ('faster_rcnn_r18_custom27.py',
                  'faster_rcnn_se_r50_custom27.py',
                  'faster_rcnn_attn_r18_nonlocal_custom27.py',
                  'faster_rcnn_ran56_custom27.py',
                  'faster_rcnn_cspmirrornet_pafpn_custom27.py',
                  'retinanet_attn_r18_custom27.py')
#: A small RPN/RoI side: which parameters get gradient does not depend on
#: the number of proposals and sampled RoIs.
SMALL_TRAIN_CFG = dict(
    rpn_proposal=dict(nms_pre=64, max_per_img=32),
    rcnn=dict(sampler=dict(num=16)))


def build_detector(config: str) -> Tuple[torch.nn.Module, dict]:
    """The detector of ``config``, randomly initialised (no download), in
    train mode, and a batch of one 96 x 96 image with three boxes (and
    masks where the detector has a mask head)."""
    init_default_scope('mmdet')
    cfg = Config.fromfile(str(CONFIG_DIR / config)).model
    cfg.backbone.init_cfg = None
    if cfg.get('train_cfg', {}).get('rpn_proposal'):
        stages = cfg.train_cfg.rcnn
        cfg.train_cfg.rpn_proposal.update(SMALL_TRAIN_CFG['rpn_proposal'])
        for stage in stages if isinstance(stages, list) else [stages]:
            stage.sampler.num = SMALL_TRAIN_CFG['rcnn']['sampler']['num']
    # A narrow backbone (the same layers, fewer channels), the neck's
    # inputs to match.
    if cfg.backbone.get('norm_cfg', {}).get('type') != 'GN':  # 32 groups
        cfg.backbone.update(NARROW[cfg.backbone.type])
    backbone = MODELS.build(cfg.backbone)
    backbone.eval()  # MMDetection's ResNet.train returns None
    cfg.neck.in_channels = [
        out.size(1) for out in backbone(torch.rand(1, 3, 64, 64))
    ]
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.train()
    packed = demo_mm_inputs(
        1, [(3, 96, 96)],
        num_items=[3],
        num_classes=2,
        with_mask='mask_head' in cfg.get('roi_head', {}))
    return model, model.data_preprocessor(packed, True)


def backward(model: torch.nn.Module, data: dict) -> None:
    """One training loss of ``model`` on ``data``, back-propagated."""
    losses = model.loss(data['inputs'], data['data_samples'])
    loss, _ = model.parse_losses(losses)
    loss.backward()


@pytest.mark.parametrize('config', DETECTOR_CONFIGS)
def test_every_trainable_parameter_gets_gradient(config):
    model, data = build_detector(config)
    backward(model, data)
    silent = [
        name for name, p in model.named_parameters()
        if p.requires_grad and p.grad is None
    ]
    assert not silent, f'{config}: no gradient for {silent}'


def _train_two_iterations(rank: int, world_size: int, init_file: str) -> None:
    import mmdet_attn  # noqa: F401 (spawned process)
    torch.set_num_threads(1)
    # A rank that waits on a gone peer fails after the timeout, not never.
    dist.init_process_group(
        'gloo',
        init_method=f'file://{init_file}',
        rank=rank,
        world_size=world_size,
        timeout=datetime.timedelta(minutes=5))
    try:
        for config in FAMILY_CONFIGS:
            model, data = build_detector(config)
            ddp = MMDistributedDataParallel(
                module=model, device_ids=None, find_unused_parameters=False)
            optimizer = torch.optim.SGD(ddp.parameters(), lr=1e-4)
            try:
                for _ in range(2):
                    optimizer.zero_grad()
                    # Through DDP's forward, which prepares its reduction.
                    losses = ddp(
                        data['inputs'], data['data_samples'], mode='loss')
                    loss, _ = ddp.module.parse_losses(losses)
                    loss.backward()
                    optimizer.step()
            except RuntimeError as error:
                raise RuntimeError(f'{config}: {error}') from error
    finally:
        dist.destroy_process_group()


def test_two_gloo_ranks_train_each_family_without_unused_parameters(
        tmp_path: Path):
    mp.spawn(
        _train_two_iterations,
        args=(2, str(tmp_path / 'init')),
        nprocs=2,
        join=True)
