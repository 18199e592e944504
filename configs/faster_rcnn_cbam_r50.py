# Faster R-CNN, CBAM-ResNet-50 (Woo et al. ECCV 2018: channel then spatial
# gate after the last BN of every bottleneck, before the addition) + FPN,
# COCO, 1x schedule, from the plain ImageNet ResNet-50 with every CBAM
# starting as the identity (identity_init). CBAM only in stages 2-4, which
# train: stage 1 is frozen with the stem, and new attention there would
# stay the identity.
_base_ = ['./faster_rcnn_r50.py', './_base_/backbones/cbam_r50.py']

model = dict(backbone=_base_.cbam_r50_imagenet)
