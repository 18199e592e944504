# Faster R-CNN, ResNet-18 + FPN with a CPU-sized RoI side: fewer proposals
# and sampled RoIs, a narrower FPN and box head, RoIAlign as one sparse
# matrix product (SparseRoIAlign: MMCV's single-threaded CPU kernel took a
# quarter of a step; docs/cpu_training.md), anchors from 16 px (scale 4) for
# objects of about 8-80 px. The base of the small-data configs (_custom27,
# _trees); they set the box head's num_classes.
_base_ = './faster_rcnn_r18_fpn.py'

fpn_channels = 128
model = dict(
    neck=dict(out_channels=fpn_channels),
    rpn_head=dict(
        in_channels=fpn_channels,
        feat_channels=fpn_channels,
        anchor_generator=dict(scales=[4])),
    roi_head=dict(
        bbox_roi_extractor=dict(
            type='RegistryRoIExtractor',
            roi_layer=dict(type='SparseRoIAlign', sampling_ratio=2),
            out_channels=fpn_channels),
        bbox_head=dict(in_channels=fpn_channels, fc_out_channels=256)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=600, max_per_img=300),
        rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=600, max_per_img=300)))
