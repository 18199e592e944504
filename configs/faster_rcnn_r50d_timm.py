# Faster R-CNN, plain ResNet-50-D + FPN, COCO, 1x schedule, from timm's
# ImageNet resnet50d (Hugging Face hub, timm/resnet50d.ra2_in1k, Apache-2.0):
# deep 32-32-64 stem and average-pool shortcuts (MMDetection's ResNetV1d
# arguments). The plain twin of faster_rcnn_eca_r50d_timm.py.
# `timm://TAG` fetches the hub file once into torch's hub cache and
# converts it on load; without network, give a local copy:
#   --cfg-options \
#   model.backbone.init_cfg.checkpoint=timm:///path/model.safetensors
_base_ = ['./faster_rcnn_r50.py', './_base_/backbones/r50d.py']

model = dict(backbone=_base_.r50d_timm)
