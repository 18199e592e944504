# The standard ImageNet ResNet schedule (He et al. 2016, as MMPretrain's
# resnet50_8xb32_in1k): SGD, lr 0.1 for 256 images a step, momentum 0.9,
# weight decay 1e-4, 100 epochs, lr x0.1 at epochs 30, 60 and 90.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0001))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[30, 60, 90], gamma=0.1)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(enable=False, base_batch_size=256)
