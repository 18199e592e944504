# The detection runtime (hooks, logging, custom_imports) for a classifier:
# checkpoints by top-1 and, under DDP, parameters a classifier leaves unused
# (attention and norms on the detection outputs before the last) allowed.
_base_ = '../../_base_/default_runtime.py'

default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook',
        interval=1,
        max_keep_ckpts=2,
        save_best='accuracy/top1',
        rule='greater'),
    logger=dict(type='LoggerHook', interval=100))
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)
