# MMDetection's RetinaNet + FPN sized for the 27-class dataset on a CPU:
# 27 classes, a narrower FPN and head, and anchors from 16 px (octave base
# scale 2 at stride 8) for objects of 8-64 px. The backbone is MMDetection's
# ResNet-50 until a config states its own.
_base_ = 'mmdet::_base_/models/retinanet_r50_fpn.py'

fpn_channels = 128
model = dict(
    neck=dict(out_channels=fpn_channels),
    bbox_head=dict(
        num_classes=27,
        in_channels=fpn_channels,
        feat_channels=fpn_channels,
        anchor_generator=dict(octave_base_scale=2)))
