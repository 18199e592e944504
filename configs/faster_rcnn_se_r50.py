# Faster R-CNN, SE-ResNet-50 (Squeeze-and-Excitation, Hu et al. CVPR 2018:
# SE after the last BN of every bottleneck, before the addition) + FPN,
# COCO, 1x schedule, from scratch.
_base_ = './faster_rcnn_r50.py'

model = dict(
    backbone=dict(
        _delete_=True, type='AttentionResNet', depth=50,
        attention=dict(type='SE')))
