# Faster R-CNN, ECA-ResNet-50-D + FPN, COCO, 1x schedule, from timm's
# ImageNet ecaresnet50d (Hugging Face hub, timm/ecaresnet50d.miil_in1k,
# Apache-2.0): ResNet-D trunk, ECA with the adaptive kernel (5, 5, 5, 7) in
# every bottleneck, trained with its trunk; stage 1's attention frozen with
# the stage. Plain twin: faster_rcnn_r50d_timm.py. Without network:
#   --cfg-options \
#   model.backbone.init_cfg.checkpoint=timm:///path/model.safetensors
_base_ = './faster_rcnn_r50d_timm.py'

model = dict(
    backbone=dict(
        attention=dict(type='ECA'),
        init_cfg=dict(checkpoint='timm://ecaresnet50d.miil_in1k')))
