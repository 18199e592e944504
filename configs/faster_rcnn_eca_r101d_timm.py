# Faster R-CNN, ECA-ResNet-101-D + FPN, COCO, 1x schedule, from timm's
# ImageNet ecaresnet101d (Hugging Face hub, timm/ecaresnet101d.miil_in1k,
# Apache-2.0); stage 1's attention frozen with the stage. Without network:
#   --cfg-options \
#   model.backbone.init_cfg.checkpoint=timm:///path/model.safetensors
_base_ = './faster_rcnn_eca_r50d_timm.py'

model = dict(
    backbone=dict(
        depth=101, init_cfg=dict(checkpoint='timm://ecaresnet101d.miil_in1k')))
