# Faster R-CNN, SAM-ResNet-50 (seed 004: x * W GAP(x) after the last BN of
# every bottleneck, before the addition) + FPN, COCO, 1x, from scratch.
# SAM's residual form, x * (1 + W GAP(x)) with W = 0 at start: the seed's
# faithful form (mode='faithful') is second order in the zero-initialised
# last BN of each block, so from ResNet's default initialisation those
# blocks would get no gradient; with ImageNet weights it would disturb the
# pretrained trunk at step 0.
_base_ = './faster_rcnn_r50.py'

model = dict(
    backbone=dict(
        _delete_=True, type='AttentionResNet', depth=50,
        attention=dict(type='SAM', mode='residual')))
