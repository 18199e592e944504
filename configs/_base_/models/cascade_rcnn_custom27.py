# MMDetection's Cascade R-CNN + FPN sized for the 27-class dataset on a CPU,
# as faster_rcnn_r18_custom27.py sizes Faster R-CNN: fewer proposals and
# sampled RoIs, a narrower FPN and box heads, SparseRoIAlign, anchors for
# objects of 8-64 px.
# The backbone is MMDetection's ResNet-50 until a config states its own.
_base_ = 'mmdet::_base_/models/cascade-rcnn_r50_fpn.py'

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
        bbox_head=[
            dict(
                head,
                in_channels=fpn_channels,
                fc_out_channels=256,
                num_classes=27) for head in _base_.model.roi_head.bbox_head
        ]),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=600, max_per_img=300),
        rcnn=[
            dict(stage, sampler=dict(stage.sampler, num=128))
            for stage in _base_.model.train_cfg.rcnn
        ]),
    test_cfg=dict(rpn=dict(nms_pre=600, max_per_img=300)))
