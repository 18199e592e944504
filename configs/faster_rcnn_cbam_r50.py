# Faster R-CNN, CBAM-ResNet-50 (Woo et al. ECCV 2018: channel then spatial
# gate after the last BN of every bottleneck, before the addition) + FPN,
# COCO, 1x schedule, from scratch.
_base_ = './faster_rcnn_r50.py'

model = dict(
    backbone=dict(
        _delete_=True, type='AttentionResNet', depth=50,
        attention=dict(type='CBAM')))
