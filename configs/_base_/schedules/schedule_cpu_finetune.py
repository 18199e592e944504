# Fine-tuning a pretrained trunk on a small dataset on a few CPU cores:
# AdamW at lr 1e-3 (the from-scratch schedule's optimiser; the FPN and the
# heads start from scratch: at lr 1e-4 ResNet-18 reached only bbox mAP 0.087
# on custom27 after 300 of 600 iterations,
# research/results/pretrained_study.md), a 50-iteration linear warm-up,
# cosine decay over 300 iterations, validation at the end.
max_iters = 300
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(
        type='CosineAnnealingLR',
        T_max=max_iters,
        eta_min_ratio=0.01,
        by_epoch=False,
        begin=0,
        end=max_iters)
]

# fused: torch's single-kernel AdamW, a fraction of the per-parameter loop's
# time on CPU (docs/cpu_training.md).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.001, weight_decay=0.05, fused=True),
    clip_grad=dict(max_norm=35, norm_type=2))

# The learning rate above is for 1 process x 4 images.
auto_scale_lr = dict(enable=False, base_batch_size=4)
