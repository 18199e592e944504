"""Convert an MMPretrain SE-ResNet checkpoint into the weights of this
package's SE ``AttentionResNet``.

MMPretrain's ``SEResNet`` and ``AttentionResNet(attention=dict(type='SE'))``
share every parameter name, so the conversion keeps the ``backbone.*``
weights without their prefix, drops the classifier head, and checks that
they fill the backbone exactly. The output loads with
``init_cfg=dict(type='Pretrained', checkpoint=OUT)`` or ``load_checkpoint``.

Example:
    python tools/model_converters/mmpretrain_seresnet.py \
        se-resnet50_batch256_imagenet_20200804-ae206104.pth se_r50.pth
"""
from typing import List, Optional

from mmdet_attn.models.weight_converters import mmpretrain_seresnet
from mmdet_attn.models.weight_converters.cli import run


def main(argv: Optional[List[str]] = None) -> None:
    print(run(mmpretrain_seresnet, argv)[1])


if __name__ == '__main__':
    main()
