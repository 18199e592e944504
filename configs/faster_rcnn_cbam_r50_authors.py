# Faster R-CNN, CBAM-ResNet-50 + FPN, COCO, 1x schedule, from the CBAM
# authors' ImageNet ResNet-50 + CBAM (Jongchan/attention-module, 100 epochs,
# top-1 77.62, MIT licence): their spatial gate's conv is followed by a BN,
# and stage 1's attention is frozen with the stage.
# The weights sit behind a download page (Google Drive, linked from the
# attention-module README); save it as below, or point at it with
#   --cfg-options model.backbone.init_cfg.checkpoint=cbam:///path/to/file
# `cbam://` converts it on load; to keep a converted copy instead:
#   python tools/model_converters/cbam_authors.py \
#       checkpoints/resnet50_cbam.pth checkpoints/
_base_ = ['./faster_rcnn_r50.py', './_base_/backbones/cbam_r50.py']

model = dict(
    backbone=dict(
        _base_.cbam_r50,
        attention=dict(type='CBAM', spatial_norm_cfg=dict(type='BN')),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='cbam://checkpoints/resnet50_cbam.pth')))
