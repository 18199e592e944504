# Plain ResNet-50 + FPN on the tree crowns, from torchvision's ImageNet
# ResNet-50: the reference of the SE/ECA/CBAM/SAM-ResNet-50, Attention-56
# and CSPMirrorNet53 _trees configs.
_base_ = './faster_rcnn_r18_trees.py'

model = dict(
    backbone=dict(
        depth=50,
        init_cfg=dict(checkpoint='https://download.pytorch.org/models/'
                      'resnet50-0676ba61.pth')),
    neck=dict(in_channels=[256, 512, 1024, 2048]))
