"""Convert the CBAM authors' ImageNet ResNet + CBAM
(Jongchan/attention-module) into the weights of this package's
``AttentionResNet`` (``attention=dict(type='CBAM',
spatial_norm_cfg=dict(type='BN'))``).

The weights sit behind a download page (Google Drive) linked from the
attention-module README. ``init_cfg=dict(type='Pretrained',
checkpoint='cbam://SRC')`` converts on load instead.

Example:
    python tools/model_converters/cbam_authors.py \
        RESNET50_CBAM_new_name_wrap.pth checkpoints/
"""
from typing import List, Optional

from mmdet_attn.models.weight_converters import cbam_authors
from mmdet_attn.models.weight_converters.cli import run


def main(argv: Optional[List[str]] = None) -> None:
    print(run(cbam_authors, argv)[1])


if __name__ == '__main__':
    main()
