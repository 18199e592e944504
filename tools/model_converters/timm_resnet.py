"""Convert a timm ResNet, SE-ResNet or ECA-ResNet (``resnet50d``,
``seresnet152d``, ``ecaresnet101d``, ...) into the weights of this
package's ``AttentionResNet``.

``SRC`` is a timm tag (its file on the Hugging Face hub is downloaded once
into torch's hub cache), an http(s) URL or a local file (``.safetensors``,
``.pth``, ``.bin``). Architectures that do not map are refused with the
reason; give ``--arch`` for a local file, since an anti-aliased model has
the keys of its plain twin. ``init_cfg=dict(type='Pretrained',
checkpoint='timm://SRC')`` converts on load instead.

Example:
    python tools/model_converters/timm_resnet.py seresnet152d.ra2_in1k \
        checkpoints/
"""
from typing import List, Optional

from mmdet_attn.models.weight_converters import timm_resnet
from mmdet_attn.models.weight_converters.cli import run


def main(argv: Optional[List[str]] = None) -> None:
    print(run(timm_resnet, argv, arch_option=True)[1])


if __name__ == '__main__':
    main()
