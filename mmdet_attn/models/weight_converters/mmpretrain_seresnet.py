"""MMPretrain's ImageNet SE-ResNets (``SEResNet``, depths 50-152) ->
``AttentionResNet`` weights.

MMPretrain's ``SEResNet`` and ``AttentionResNet(attention=dict(type='SE'))``
share every parameter name (the trunk as MMDetection's ``ResNet``, the SE
layers as ``layer*.*.se_layer.*``): the conversion keeps the
``backbone.*`` weights without their prefix and drops the classifier head.
MMPretrain's checkpoints also load as they are (``init_cfg`` with
``prefix='backbone.'``); the conversion checks them and writes a
backbone-only copy.
"""
from typing import Mapping

from torch import Tensor

from .common import Converted, convert_state_dict

#: The source, for messages.
FAMILY = 'an MMPretrain SE-ResNet'
RULES = [(r'^backbone\.', ''), (r'^(head|data_preprocessor)\.', None)]


def convert(state_dict: Mapping[str, Tensor]) -> Converted:
    """Convert the weights of an MMPretrain SE-ResNet image classifier.

    Args:
        state_dict (Mapping[str, Tensor]): MMPretrain ``ImageClassifier``
            weights (``backbone.*``, ``head.*``).

    Returns:
        tuple[OrderedDict, dict]: ``AttentionResNet`` weights and the
        config they fill.

    Raises:
        ValueError: The weights are not an SE-ResNet's, or do not fill the
            backbone exactly; the message names the keys.
    """
    return convert_state_dict(state_dict, RULES, FAMILY, attention_type='SE')
