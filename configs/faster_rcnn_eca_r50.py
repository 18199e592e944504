# Faster R-CNN, ECA-ResNet-50 (Wang et al. CVPR 2020: ECA with the adaptive
# kernel after the last BN of every bottleneck, before the addition) + FPN,
# COCO, 1x schedule. The trunk starts from the plain ImageNet ResNet-50 and
# every ECA starts as the identity (identity_init), so at step 0 the
# backbone computes the pretrained ResNet-50 and the attention is learnt on
# top of it. ECA only in stages 2-4, which train: stage 1 is frozen with
# the stem, and new attention there would stay the identity.
_base_ = ['./faster_rcnn_r50.py', './_base_/backbones/eca_r50.py']

model = dict(backbone=_base_.eca_r50_imagenet)
