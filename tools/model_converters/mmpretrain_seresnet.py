"""Convert an MMPretrain SE-ResNet checkpoint into the weights of this
package's SE ``AttentionResNet`` backbone.

MMPretrain's ``SEResNet`` and ``AttentionResNet(attention=dict(type='SE'))``
share every parameter name (trunk as MMDetection's ``ResNet``, SE layers as
``layer*.*.se_layer.*``), so the conversion keeps the ``backbone.*`` weights
without their prefix, drops the classifier head, and checks that they fill
the backbone exactly. The output loads with
``init_cfg=dict(type='Pretrained', checkpoint=OUT)`` or ``load_checkpoint``.

Example:
    python tools/model_converters/mmpretrain_seresnet.py \
        se-resnet50_batch256_imagenet_20200804-ae206104.pth se_r50.pth
"""
import argparse
from collections import OrderedDict

import torch
from mmdet.registry import MODELS

import mmdet_attn  # noqa: F401 (registers AttentionResNet)

#: ResNet depth by the number of blocks in stage 3.
DEPTH_BY_STAGE3_BLOCKS = {2: 18, 6: 50, 23: 101, 36: 152}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='MMPretrain SE-ResNet -> SE AttentionResNet weights')
    parser.add_argument('src', help='MMPretrain SE-ResNet checkpoint')
    parser.add_argument('dst', help='where to write the backbone weights')
    return parser.parse_args()


def convert(state_dict: dict) -> OrderedDict:
    """The ``backbone.*`` weights of an MMPretrain SE-ResNet state dict,
    renamed for ``AttentionResNet`` and checked against it.

    Args:
        state_dict (dict): MMPretrain ``ImageClassifier`` weights.

    Returns:
        OrderedDict: Backbone weights without the ``backbone.`` prefix.

    Raises:
        ValueError: The weights are not those of an SE-ResNet, or do not
            fill the backbone exactly (the message lists the keys).
    """
    weights = OrderedDict((k[len('backbone.'):], v)
                          for k, v in state_dict.items()
                          if k.startswith('backbone.'))
    stage3 = {k.split('.')[1] for k in weights if k.startswith('layer3.')}
    depth = DEPTH_BY_STAGE3_BLOCKS.get(len(stage3))
    if depth is None or not any('.se_layer.' in k for k in weights):
        raise ValueError('not an MMPretrain SE-ResNet checkpoint: expected '
                         'backbone.layer*.*.se_layer.* weights and 2, 6, 23 '
                         f'or 36 blocks in layer3, got {len(stage3)}')
    backbone = MODELS.build(
        dict(type='AttentionResNet', depth=depth, attention=dict(type='SE')))
    missing, unexpected = backbone.load_state_dict(weights, strict=False)
    if missing or unexpected:
        raise ValueError(f'the SE-ResNet-{depth} weights do not match '
                         f'AttentionResNet: missing {missing}, unexpected '
                         f'{unexpected}')
    return weights


def main() -> None:
    args = parse_args()
    checkpoint = torch.load(args.src, map_location='cpu', weights_only=True)
    try:
        weights = convert(checkpoint.get('state_dict', checkpoint))
    except ValueError as error:
        raise SystemExit(f'{args.src}: {error}') from error
    torch.save(dict(state_dict=weights), args.dst)
    print(f'{len(weights)} backbone tensors written to {args.dst}')


if __name__ == '__main__':
    main()
