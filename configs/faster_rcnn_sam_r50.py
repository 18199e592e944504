# Faster R-CNN, SAM-ResNet-50 (the Streamlined Attention Module repository's
# x * W GAP(x) after the last BN of every bottleneck, before the addition) +
# FPN, COCO, 1x, from the plain ImageNet ResNet-50. SAM's residual form,
# x * (1 + W GAP(x)) with W = 0 at start, is the identity at step 0; the
# repository's form (mode='faithful') would disturb the pretrained trunk.
# SAM only in stages 2-4, which train: stage 1 is frozen with the stem, and
# new attention there would stay the identity.
_base_ = ['./faster_rcnn_r50.py', './_base_/backbones/sam_r50.py']

model = dict(backbone=_base_.sam_r50_imagenet)
