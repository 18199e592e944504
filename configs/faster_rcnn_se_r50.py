# Faster R-CNN, SE-ResNet-50 (Squeeze-and-Excitation, Hu et al. CVPR 2018:
# SE after the last BN of every bottleneck, before the addition) + FPN,
# COCO, 1x schedule, from MMPretrain's ImageNet SE-ResNet-50 (top-1 77.74):
# its SE layers are named as this package's, so the checkpoint loads as it
# is (tools/model_converters/mmpretrain_seresnet.py writes a local copy).
# Stage 1's pretrained SE layers are frozen with the stage.
_base_ = ['./faster_rcnn_r50.py', './_base_/backbones/se_r50.py']

model = dict(backbone=_base_.se_r50_imagenet)
