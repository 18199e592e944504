# Faster R-CNN with the ECA + Attention-Gate ResNet-18 (GatedECAResNet: the
# four stage outputs gated by the deepest one, then recalibrated by ECA) +
# FPN, COCO, 1x schedule. The trunk starts from the plain ImageNet
# ResNet-18; each gate and ECA starts as the identity (identity_init), so at
# step 0 the backbone computes the pretrained ResNet-18.
_base_ = './faster_rcnn_r18.py'

model = dict(
    backbone=dict(
        type='GatedECAResNet',
        attention_gate=dict(identity_init=True),
        eca=dict(identity_init=True)))
