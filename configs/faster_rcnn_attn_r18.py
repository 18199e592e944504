# Faster R-CNN with the ECA + Attention-Gate ResNet-18 (GatedECAResNet: the
# four stage outputs gated by the deepest one, then recalibrated by ECA) +
# FPN, COCO, 1x schedule. The trunk starts from the plain ImageNet
# ResNet-18; each gate and ECA starts as the identity (identity_init), so at
# step 0 the backbone computes the pretrained ResNet-18. Gates and ECA only
# on stages 2-4, which train: stage 1 is frozen with the stem, and new
# attention there would stay the identity.
_base_ = ['./faster_rcnn_r18.py', './_base_/backbones/attn_r18.py']

model = dict(backbone=_base_.attn_r18_imagenet)
