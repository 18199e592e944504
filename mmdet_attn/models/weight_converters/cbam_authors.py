"""The CBAM authors' ImageNet ResNet + CBAM (Jongchan/attention-module,
``MODELS/model_resnet.py`` and ``MODELS/cbam.py``) -> ``AttentionResNet``
weights.

Their trunk is torchvision's; each block's ``cbam`` holds
``ChannelGate.mlp`` (``Flatten``, ``Linear``, ``ReLU``, ``Linear``: keys
``mlp.1`` and ``mlp.3``) and ``SpatialGate.spatial`` (a 7x7 conv without
bias, then a BN). Their spatial gate pools ``cat(max, mean)`` over the
channels, ours ``cat(mean, max)``: the conv's two input channels are
swapped. The target is ``attention=dict(type='CBAM',
spatial_norm_cfg=dict(type='BN'))``.
"""
from typing import Dict, Mapping

from torch import Tensor

from .common import BLOCK, Converted, convert_state_dict, resnet_rules

#: Checkpoint scheme that converts on load (``cbam://PATH_OR_URL``).
SCHEME = 'cbam://'
#: The source, for messages.
FAMILY = "a CBAM authors' ResNet + CBAM"
#: Where its files are published.
WHERE = ('the CBAM authors publish their ResNet-50 + CBAM behind a download '
         'page (Google Drive) linked from the README of '
         'https://github.com/Jongchan/attention-module')
#: The command-line converter.
TOOL = 'tools/model_converters/cbam_authors.py'
_CBAM = BLOCK + r'cbam\.'
ATTENTION_RULES = [
    (_CBAM + r'ChannelGate\.mlp\.1\.', r'\1.cbam.channel_gate.mlp.0.'),
    (_CBAM + r'ChannelGate\.mlp\.3\.', r'\1.cbam.channel_gate.mlp.2.'),
    (_CBAM + r'SpatialGate\.spatial\.conv\.weight$',
     r'\1.cbam.spatial_gate.conv.conv.weight'),
    (_CBAM + r'SpatialGate\.spatial\.bn\.', r'\1.cbam.spatial_gate.conv.bn.'),
]


def _mean_first(weights: Dict[str, Tensor]) -> None:
    """Swap the two input channels of every spatial conv: (max, mean) ->
    (mean, max)."""
    for key in weights:
        if key.endswith('.cbam.spatial_gate.conv.conv.weight'):
            weights[key] = weights[key].flip(1)


def convert(state_dict: Mapping[str, Tensor]) -> Converted:
    """Convert the weights of a CBAM authors' ResNet + CBAM.

    Args:
        state_dict (Mapping[str, Tensor]): Their weights, out of the
            checkpoint's containers (``common.unwrap_state_dict``).

    Returns:
        tuple[OrderedDict, dict]: ``AttentionResNet`` weights and the
        config they fill.

    Raises:
        ValueError: The weights are not such a network; the message names
            the keys.
    """
    return convert_state_dict(
        state_dict,
        resnet_rules(state_dict) + ATTENTION_RULES,
        FAMILY,
        attention_type='CBAM',
        transform=_mean_first)
