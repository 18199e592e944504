"""timm's ResNets (``timm/models/resnet.py``: ``resnet*``, ``seresnet*``,
``ecaresnet*``) -> ``AttentionResNet`` weights.

The trunk is torchvision's; a ``d`` model's deep stem ``conv1.0/1/3/4/6``
+ ``bn1`` becomes MMDetection's ``stem.0/1/3/4/6/7`` (``deep_stem=True``;
widths C/2, C/2, C, so the ``s`` models' 64, 64, 128 too, with
``stem_channels=128``), and its ``avg_down`` shortcut (``AvgPool2d(2,
ceil_mode=True, count_include_pad=False)``, conv, BN at ``downsample.0/1/2``)
is MMDetection's ``avg_down=True``. Each block's ``se`` is SE (``fc1``,
``fc2``: 1x1 convs with biases; hidden width ``make_divisible(C / 16, 8)``,
which is ``C / r`` for a whole ``r`` per stage: 16, and 8 in the first
stage of ``seresnet18/34``) or ECA (``conv``: ``1 x 1 x k``).

Refused, by the architecture's name where the keys cannot tell: ResNeXt
(grouped convs), anti-aliased (``resnetaa*``, ``resnetblur*``: the keys of
the plain model, another computation), tiered stems (``*t``), pruned
widths, wide ResNets, GroupNorm, ResNet-RS, and depths other than 18, 34,
50, 101, 152.
"""
import os.path as osp
import re
from typing import Mapping, Optional
from urllib.parse import urlparse

from torch import Tensor

from .common import BLOCK, Converted, convert_state_dict, is_url, resnet_rules

#: Checkpoint scheme that converts on load (``timm://TAG``, ``timm://URL``,
#: ``timm://PATH``).
SCHEME = 'timm://'
#: The source, for messages.
FAMILY = 'a timm ResNet'
#: Where its files are published.
WHERE = ('timm publishes its weights on the Hugging Face hub '
         '(https://huggingface.co/timm)')
#: The command-line converter.
TOOL = 'tools/model_converters/timm_resnet.py'
#: The file of a timm tag (``seresnet152d.ra2_in1k``) on the hub.
HUB_URL = 'https://huggingface.co/timm/{tag}/resolve/main/model.safetensors'
#: Suffixes of checkpoint files (what is not a path is a tag).
_SUFFIXES = ('.pth', '.tar', '.bin', '.safetensors')
ATTENTION_RULES = [
    (BLOCK + r'se\.conv\.weight$', r'\1.eca.conv.weight'),
    (BLOCK + r'se\.fc([12])\.(weight|bias)$', r'\1.se_layer.conv\2.conv.\3'),
]
#: Architectures that map: 7x7 stem, or deep stem (c: 3x3 convs, d: and
#: avg_down, s: 64 wide).
MAPPED = re.compile(r'(se|eca)?resnet(18|34|50|101|152)[cds]?')
#: Why the others do not, first match wins.
REFUSED = (
    (r'.*resnext|senet', 'grouped 3x3 convs (ResNeXt), which MMDetection\'s '
     'ResNet has no argument for'),
    (r'.*resnet(aa|blur)', 'anti-aliased downsampling in the blocks: the '
     'keys are those of the plain model, the computation is not'),
    (r'.*_pruned$', 'pruned, uneven channel widths'),
    (r'wide_', 'wider bottlenecks (base width 128)'),
    (r'.*_gn$', 'GroupNorm, not BatchNorm'),
    (r'resnetrs', 'ResNet-RS: a strided conv in place of the stem max-pool'),
    (r'(se|eca)?resnet\d+t$', 'a tiered deep stem (24, 32, 64 channels); '
     'AttentionResNet\'s is 32, 32, 64'),
    (r'ecaresnetlight', 'Bottleneck counts (1, 1, 11, 3), no ResNet depth'),
    (r'(se|eca)?resnet\d+', 'a depth AttentionResNet does not have (18, 34, '
     '50, 101, 152)'),
)


def check_arch(tag: str) -> None:
    """Refuse a timm model name or tag whose weights do not map.

    Args:
        tag (str): ``arch`` or ``arch.pretrained_tag``
            (``seresnet152d.ra2_in1k``).

    Raises:
        ValueError: Naming the architecture and the reason.

    Example:
        >>> check_arch('ecaresnet50d.miil_in1k')
        >>> check_arch('resnetaa50d.sw_in12k_ft_in1k')
        Traceback (most recent call last):
        ...
        ValueError: timm's resnetaa50d does not map to AttentionResNet: \
anti-aliased downsampling in the blocks: the keys are those of the plain \
model, the computation is not
    """
    arch, _, pretrained_tag = tag.partition('.')
    if pretrained_tag == 'untrained':
        raise ValueError(f'timm publishes no weights for {tag}')
    if MAPPED.fullmatch(arch):
        return
    reason = next((why for pattern, why in REFUSED if re.match(pattern, arch)),
                  'not one of the resnet, seresnet, ecaresnet models of '
                  'depth 18-152 with a 7x7 or a c, d, s stem')
    raise ValueError(f'timm\'s {arch} does not map to AttentionResNet: '
                     f'{reason}')


def hub_tag(url: str) -> Optional[str]:
    """The timm tag of a Hugging Face hub URL
    (``https://huggingface.co/timm/<tag>/...``), else None."""
    parsed = urlparse(url)
    parts = parsed.path.split('/')
    if parsed.netloc == 'huggingface.co' and parts[1:2] == ['timm']:
        return parts[2] if len(parts) > 2 else None
    return None


def locate(source: str) -> str:
    """Where the weights of a ``timm://`` checkpoint are: a tag's hub URL,
    a URL, or a local path; the architecture of a tag (or hub URL) is
    checked first.

    Args:
        source (str): What follows ``timm://``: a tag
            (``seresnet152d.ra2_in1k``), an http(s) URL or a path.

    Returns:
        str: The URL or path.

    Raises:
        ValueError: The architecture does not map, or a bare architecture
            without its pretrained tag.
    """
    if is_url(source):
        tag = hub_tag(source)
        if tag is not None:
            check_arch(tag)
        return source
    if '/' in source or osp.exists(source) or source.endswith(_SUFFIXES):
        return osp.expanduser(source)
    check_arch(source)
    if '.' not in source:
        raise ValueError(
            f'timm://{source}: give the pretrained tag too, e.g. '
            f'{source}.a1_in1k (timm.list_pretrained(\'{source}.*\') '
            'lists them)')
    return HUB_URL.format(tag=source)


def convert(state_dict: Mapping[str, Tensor]) -> Converted:
    """Convert the weights of a timm ResNet, SE-ResNet or ECA-ResNet.

    The keys cannot tell an anti-aliased model from its plain twin: give
    such files by their tag (:func:`check_arch`).

    Args:
        state_dict (Mapping[str, Tensor]): timm's weights (out of a
            training checkpoint's containers:
            ``common.unwrap_state_dict``).

    Returns:
        tuple[OrderedDict, dict]: ``AttentionResNet`` weights and the
        config they fill.

    Raises:
        ValueError: The weights do not map; the message names the keys.
    """
    return convert_state_dict(state_dict,
                              resnet_rules(state_dict) + ATTENTION_RULES,
                              FAMILY)
