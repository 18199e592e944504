# The detection runtime (hooks, logging, custom_imports) for a classifier:
# checkpoints by top-1. The classifiers build only the stage they read
# (out_indices), so DDP runs without find_unused_parameters.
_base_ = '../../_base_/default_runtime.py'

default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook',
        interval=1,
        max_keep_ckpts=2,
        save_best='accuracy/top1',
        rule='greater'),
    logger=dict(type='LoggerHook', interval=100))
