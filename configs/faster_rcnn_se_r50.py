# Faster R-CNN, SE-ResNet-50 (Squeeze-and-Excitation, Hu et al. CVPR 2018:
# SE after the last BN of every bottleneck, before the addition) + FPN,
# COCO, 1x schedule, from MMPretrain's ImageNet SE-ResNet-50 (top-1 77.74):
# its SE layers are named as this package's, so the checkpoint loads as it
# is (tools/model_converters/mmpretrain_seresnet.py writes a local copy).
_base_ = './faster_rcnn_r50.py'

model = dict(
    backbone=dict(
        type='AttentionResNet',
        attention=dict(type='SE'),
        init_cfg=dict(
            prefix='backbone.',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'se-resnet/se-resnet50_batch256_imagenet_20200804-ae206104.pth')))
