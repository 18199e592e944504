# A short schedule for the embedded synthetic dataset on a few CPU cores:
# AdamW (from scratch it learns this data far faster than SGD did in our
# runs), linear warm-up, cosine decay, validation at the end of training.
max_epochs = 4
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=200),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min_ratio=0.01,
        begin=0,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]

# fused: torch's single-kernel AdamW, a fraction of the per-parameter loop's
# time on CPU (docs/cpu_training.md).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.001, weight_decay=0.05, fused=True),
    clip_grad=dict(max_norm=35, norm_type=2))

# The learning rate above is for 1 process x 4 images.
auto_scale_lr = dict(enable=False, base_batch_size=4)
