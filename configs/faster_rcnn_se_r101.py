# Faster R-CNN, SE-ResNet-101 + FPN, COCO, 1x schedule, from MMPretrain's
# ImageNet SE-ResNet-101 (top-1 78.26, Apache-2.0): its SE layers are named
# as this package's, so the checkpoint loads as it is
# (tools/model_converters/mmpretrain_seresnet.py writes a local copy).
# Stage 1's pretrained SE layers are frozen with the stage.
_base_ = './faster_rcnn_se_r50.py'

model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'se-resnet/se-resnet101_batch256_imagenet_20200804-ba5b51d4.pth')))
