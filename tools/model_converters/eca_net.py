"""Convert an ECA-Net authors' ImageNet ECA-ResNet (BangguWu/ECANet) into
the weights of this package's ``AttentionResNet``.

The weights sit behind download pages (Google Drive, Baidu) linked from
the ECA-Net README. The ECA kernel size of each stage follows from the
file (3, 5, 5, 7 for ``eca_resnet50_k3557.pth.tar``); the printed config
says it. ``init_cfg=dict(type='Pretrained', checkpoint='ecanet://SRC')``
converts on load instead.

Example:
    python tools/model_converters/eca_net.py eca_resnet50_k3557.pth.tar \
        checkpoints/
"""
from typing import List, Optional

from mmdet_attn.models.weight_converters import eca_net
from mmdet_attn.models.weight_converters.cli import run


def main(argv: Optional[List[str]] = None) -> None:
    print(run(eca_net, argv)[1])


if __name__ == '__main__':
    main()
