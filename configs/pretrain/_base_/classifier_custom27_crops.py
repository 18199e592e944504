# A backbone of this package as a classifier of the synthetic set's object
# crops (make crops: 27 classes, 4821 train / 1200 val crops of 64 px), the
# CPU stand-in for ImageNet pretraining: random-resized crops of 32 px with
# flips (32 px: half the cost of a 64-px step for ResNet-50 on one CPU
# thread, about the size of the detection images' objects), AdamW at lr
# 1e-3 with cosine decay over 8 epochs of 32 crops a step, top-1 on the val
# crops (resized to 32 px) after every 4 epochs.
_base_ = './classifier.py'

data_root = 'data/custom27_crops/'
model = dict(num_classes=27)
train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    dataset=dict(
        data_root=data_root,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(
                type='RandomResizedCrop',
                scale=32,
                crop_ratio_range=(0.35, 1.0)),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='PackClassificationInputs')
        ]))
val_dataloader = dict(
    batch_size=64,
    num_workers=1,
    dataset=dict(
        data_root=data_root,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='Resize', scale=(32, 32)),
            dict(type='PackClassificationInputs')
        ]))
test_dataloader = val_dataloader

max_epochs = 8
train_cfg = dict(max_epochs=max_epochs, val_interval=4)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.001, weight_decay=0.05))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=150),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min_ratio=0.01,
        begin=0,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(logger=dict(interval=50))
