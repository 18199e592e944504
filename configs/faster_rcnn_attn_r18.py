# Faster R-CNN with the seed-000 backbone, GatedECAResNet-18 (a ResNet-18
# whose four stage outputs are attention-gated by the deepest one, then
# recalibrated by ECA) + FPN, COCO, 1x schedule, from scratch. The trunk
# loads any ImageNet ResNet-18 checkpoint (MMDetection or torchvision names):
#   --cfg-options model.backbone.init_cfg.type=Pretrained \
#       model.backbone.init_cfg.checkpoint=/path/to/resnet18.pth
# Seed 000's own layout (3x3 gate convs with BN-ReLU, dropout 0.5, ECA k=3)
# is in GatedECAResNet's docstring.
_base_ = './faster_rcnn_r18.py'

model = dict(backbone=dict(_delete_=True, type='GatedECAResNet', depth=18))
