# RetinaNet with GatedECAResNet-18 + FPN on the 27-class dataset: the
# backbone of retinanet_attn_r18.py on the CPU-sized detector. RetinaNet's
# FPN starts at stage 2 (start_level=1), so stage 1's output gate and ECA
# would get no gradient (DDP needs every parameter used): they are off.
_base_ = [
    './_base_/models/retinanet_custom27.py', './_base_/backbones/attn_r18.py',
    './_base_/datasets/custom27.py', './_base_/schedules/schedule_cpu_demo.py',
    './_base_/default_runtime.py'
]

model = dict(
    backbone=dict(
        _base_.attn_r18,
        stage_with_gate=(False, True, True, True),
        stage_with_eca=(False, True, True, True),
        _delete_=True),
    neck=dict(in_channels=[64, 128, 256, 512]))
