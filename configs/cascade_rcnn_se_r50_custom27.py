# Cascade R-CNN with SE-ResNet-50 + FPN on the 27-class dataset: the backbone
# of cascade_rcnn_se_r50.py on the CPU-sized detector.
_base_ = [
    './_base_/models/cascade_rcnn_custom27.py', './_base_/backbones/se_r50.py',
    './_base_/datasets/custom27.py', './_base_/schedules/schedule_cpu_demo.py',
    './_base_/default_runtime.py'
]

model = dict(backbone=dict(_base_.se_r50, _delete_=True))
