"""The COCO configs that start from ImageNet-trained attention: each builds
offline, its weights source resolves to an https URL (fetched by
tools/train.py) or a local path (its header says how to get the file and
which converter reads it), the backbone is the one the converter fills, and
stage 1's attention is frozen with the stage."""
import pytest
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope
from tool_runner import CONFIG_DIR

from mmdet_attn.models.weight_converters.common import infer_backbone_cfg
from mmdet_attn.models.weight_converters.schemes import resolve_source

#: Config -> where its weights are: 'url' (fetched) or 'file' (a download
#: page, then a local path).
PRETRAINED_ATTENTION = {
    'faster_rcnn_se_r50.py': 'url',
    'faster_rcnn_se_r101.py': 'url',
    'faster_rcnn_se_r152d_timm.py': 'url',
    'faster_rcnn_eca_r50d_timm.py': 'url',
    'faster_rcnn_eca_r101d_timm.py': 'url',
    'faster_rcnn_r50d_timm.py': 'url',
    'faster_rcnn_eca_r50_authors.py': 'file',
    'faster_rcnn_eca_r101_authors.py': 'file',
    'faster_rcnn_cbam_r50_authors.py': 'file',
}

#: What each source's weights are, by its published names and definitions:
#: ECA kernel size per stage (ECA-Net's ``k3557`` / ``k3357`` files; timm's
#: kernel from the channel count) and the ResNet-D stem of timm's ``d``.
ECA_KERNELS = {
    'faster_rcnn_eca_r50_authors.py': (3, 5, 5, 7),
    'faster_rcnn_eca_r101_authors.py': (3, 3, 5, 7),
    'faster_rcnn_eca_r50d_timm.py': (5, 5, 5, 7),
    'faster_rcnn_eca_r101d_timm.py': (5, 5, 5, 7),
}


@pytest.mark.parametrize('config', list(PRETRAINED_ATTENTION))
def test_weights_source_resolves_and_fills_the_backbone(config):
    cfg = Config.fromfile(str(CONFIG_DIR / config))
    backbone_cfg = cfg.model.backbone.to_dict()
    init_cfg = backbone_cfg.pop('init_cfg')
    assert init_cfg['type'] == 'Pretrained'
    checkpoint = init_cfg['checkpoint']
    source = resolve_source(checkpoint)
    location = checkpoint if source is None else source.location
    header = (CONFIG_DIR / config).read_text().split('_base_')[0]
    if PRETRAINED_ATTENTION[config] == 'url':
        assert location.startswith('https://'), location
    else:
        assert source is not None and not location.startswith('http')
        assert source.converter.TOOL in header
        assert 'download page' in header and '--cfg-options' in header

    init_default_scope('mmdet')
    backbone = MODELS.build(backbone_cfg)
    if source is not None:
        # The backbone the converter emits for weights of this layout has
        # this backbone's keys and shapes (and ECA kernel sizes).
        state = backbone.state_dict()
        emitted = MODELS.build(infer_backbone_cfg(state)).state_dict()
        assert {k: v.shape
                for k, v in emitted.items()
                } == {k: v.shape
                      for k, v in state.items()}
    if config in ECA_KERNELS:
        assert tuple(
            getattr(backbone, name)[0].eca.kernel_size
            for name in backbone.res_layers) == ECA_KERNELS[config]
    assert backbone.deep_stem == backbone.avg_down == ('d_timm' in config)
    # Stage 1 frozen, its attention with it.
    assert backbone.frozen_stages == 1 and backbone.freeze_attention
    backbone.train()
    assert not any(p.requires_grad for p in backbone.layer1.parameters())
