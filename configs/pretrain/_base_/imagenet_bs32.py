# ImageNet-1k in the folder layout (data/imagenet/{train,val}/<wnid>/*.JPEG),
# the standard ResNet recipe's data: random-resized 224 crops with flips for
# training; short side 256 then the central 224 crop for validation.
# 32 images per GPU (8 GPUs: 256 images a step). Any ImageNet-layout set
# works: point data_root at it and set model.num_classes.
dataset_type = 'ImageFolderDataset'
data_root = 'data/imagenet/'
num_classes = 1000

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackClassificationInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    # The short side to 256 (the long side limit is never reached).
    dict(type='Resize', scale=(100000, 256), keep_ratio=True),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackClassificationInputs')
]
train_dataloader = dict(
    batch_size=32,
    num_workers=5,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='train/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=5,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='val/'),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='TopKAccuracy', topk=(1, 5))
test_evaluator = val_evaluator
