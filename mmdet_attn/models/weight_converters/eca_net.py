"""The ECA-Net authors' ImageNet ECA-ResNets (BangguWu/ECANet: ECA-ResNet-18,
34, 50, 101, 152) -> ``AttentionResNet`` weights.

Their ResNet is torchvision's (``conv1``, ``bn1``, ``layerX.Y.convN`` /
``bnN`` / ``downsample.0/1``, ``fc``) with ``layerX.Y.eca.conv.weight``
(a ``1 x 1 x k`` Conv1d, no bias) after the last BN of each block; the
kernel size ``k`` of each stage follows from the shapes (3, 5, 5, 7 for the
released ECA-ResNet-50). Their files are training checkpoints
(``{'state_dict': {'module.conv1.weight', ...}, 'epoch', ...}``).
"""
from typing import Mapping

from torch import Tensor

from .common import BLOCK, Converted, convert_state_dict, resnet_rules

#: Checkpoint scheme that converts on load (``ecanet://PATH_OR_URL``).
SCHEME = 'ecanet://'
#: The source, for messages.
FAMILY = "an ECA-Net authors' ECA-ResNet"
#: Where its files are published.
WHERE = ('the ECA-Net authors publish their ECA-ResNets behind download '
         'pages (Google Drive, Baidu) linked from the README of '
         'https://github.com/BangguWu/ECANet')
#: The command-line converter.
TOOL = 'tools/model_converters/eca_net.py'
ATTENTION_RULES = [(BLOCK + r'eca\.conv\.weight$', r'\1.eca.conv.weight')]


def convert(state_dict: Mapping[str, Tensor]) -> Converted:
    """Convert the weights of an ECA-Net authors' ECA-ResNet.

    Args:
        state_dict (Mapping[str, Tensor]): Their weights, out of the
            checkpoint's containers (``common.unwrap_state_dict``).

    Returns:
        tuple[OrderedDict, dict]: ``AttentionResNet`` weights and the
        config they fill (``attention=[dict(type='ECA', kernel_size=k),
        ...]`` per stage, or one dict if ``k`` is the same everywhere).

    Raises:
        ValueError: The weights are not such an ECA-ResNet; the message
            names the keys.
    """
    return convert_state_dict(
        state_dict,
        resnet_rules(state_dict) + ATTENTION_RULES,
        FAMILY,
        attention_type='ECA')
