# Faster R-CNN, CBAM-ResNet-50 (Woo et al. ECCV 2018: channel then spatial
# gate after the last BN of every bottleneck, before the addition) + FPN,
# COCO, 1x schedule, from the plain ImageNet ResNet-50 with every CBAM
# starting as the identity (identity_init).
_base_ = './faster_rcnn_r50.py'

model = dict(
    backbone=dict(
        type='AttentionResNet',
        attention=dict(type='CBAM', identity_init=True)))
