# Faster R-CNN, SE-ResNet-152-D + FPN, COCO, 1x schedule, from timm's
# ImageNet seresnet152d (Hugging Face hub, timm/seresnet152d.ra2_in1k,
# Apache-2.0): ResNet-D trunk, SE (reduction 16, with biases) in every
# bottleneck; stage 1's attention frozen with the stage. Without network:
#   --cfg-options \
#   model.backbone.init_cfg.checkpoint=timm:///path/model.safetensors
_base_ = './faster_rcnn_r50d_timm.py'

model = dict(
    backbone=dict(
        depth=152,
        attention=dict(type='SE'),
        init_cfg=dict(checkpoint='timm://seresnet152d.ra2_in1k')))
