# A detection dataset in COCO format. By default it points to the embedded
# synthetic 27-class dataset (python tools/misc/generate_custom27.py writes it
# to data/custom27/). For your own data, one key repoints every split and the
# evaluator, and takes the classes from your training annotation file:
#   --cfg-options data_root=/data/mine/
# (tools/train.py and tools/test.py resolve data_root and classes after the
# overrides; see docs/own_data.md).
dataset_type = 'StrictCocoDataset'
data_root = 'data/custom27/'
classes = ('circle_plain', 'circle_dot', 'circle_bar', 'square_plain',
           'square_dot', 'square_bar', 'triangle_plain', 'triangle_dot',
           'triangle_bar', 'diamond_plain', 'diamond_dot', 'diamond_bar',
           'hexagon_plain', 'hexagon_dot', 'hexagon_bar', 'star_plain',
           'star_dot', 'star_bar', 'cross_plain', 'cross_dot', 'cross_bar',
           'ring_plain', 'ring_dot', 'ring_bar', 'arrow_plain', 'arrow_dot',
           'arrow_bar')
metainfo = dict(classes=classes)
img_scale = (192, 192)
backend_args = None

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=4),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=4,
    num_workers=1,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_val.json',
        data_prefix=dict(img='val/'),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader

# Evaluates against the annotation file the val/test dataset loads, mapping
# labels to that file's category ids by class name.
val_evaluator = dict(
    type='StrictCocoMetric',
    metric='bbox',
    classwise=True,
    format_only=False,
    backend_args=backend_args)
test_evaluator = val_evaluator
