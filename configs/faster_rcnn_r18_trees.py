# Faster R-CNN, plain ResNet-18 + FPN on DeepForest's tree crowns (1 class,
# 400 px airborne tiles), fine-tuned from torchvision's ImageNet ResNet-18
# (stem and stage 1 frozen, BN in eval mode) with the CPU-sized RoI side.
# Data: python tools/dataset_converters/deepforest_trees.py data/trees
_base_ = [
    './_base_/models/faster_rcnn_r18_fpn_cpu.py', './_base_/datasets/trees.py',
    './_base_/schedules/schedule_cpu_finetune.py',
    './_base_/default_runtime.py'
]

model = dict(roi_head=dict(bbox_head=dict(num_classes=1)))
# The published tree-crown study (research/results/pretrained_study.md)
# trained stage 1's attention inside the frozen stage: the _trees
# attention configs keep that, with **study_attention in their backbone.
study_attention = dict(freeze_attention=False)
# Iteration-based: checkpoints every 100 iterations (a stopped run resumes
# from the last), logs every 20.
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(by_epoch=False, interval=100, max_keep_ckpts=2))
log_processor = dict(by_epoch=False)
