# The schedule of the custom27 accuracy study
# (tools/analysis_tools/custom27_study.py), merged over each config's own:
# one epoch over the first 600 training images (150 iterations of 4 images),
# a 50-iteration linear warm-up and cosine decay to the end, validation on
# the whole val split at the end. Sized so that 12 configs x 3 seeds run in
# about two hours on 2 CPU cores; every config gets exactly this schedule and
# the optimiser of schedule_cpu_demo.py (AdamW, lr 1e-3).
max_epochs = 1
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min_ratio=0.01,
        begin=0,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]
train_dataloader = dict(dataset=dict(indices=600))
