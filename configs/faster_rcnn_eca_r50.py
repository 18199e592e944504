# Faster R-CNN, ECA-ResNet-50 (Wang et al. CVPR 2020: ECA with the adaptive
# kernel after the last BN of every bottleneck, before the addition) + FPN,
# COCO, 1x schedule. The trunk starts from the plain ImageNet ResNet-50 and
# every ECA starts as the identity (identity_init), so at step 0 the
# backbone computes the pretrained ResNet-50 and the attention is learnt on
# top of it.
_base_ = './faster_rcnn_r50.py'

model = dict(
    backbone=dict(
        type='AttentionResNet', attention=dict(type='ECA',
                                               identity_init=True)))
