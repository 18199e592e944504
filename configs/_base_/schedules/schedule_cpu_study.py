# The schedule of the custom27 accuracy study
# (research/custom27_study.py), merged over each config's own:
# two epochs over the 800 training images (400 iterations of 4 images), a
# 100-iteration linear warm-up and cosine decay to the end, validation on
# the val split at the end; the optimiser of schedule_cpu_demo.py (AdamW,
# lr 1e-3). Every config gets exactly this. Shorter schedules we tried stay
# on the from-scratch plateau, too close to zero to rank backbones: 150
# iterations of 4 images gave bbox mAP 0.007 and 0.010 (GatedECAResNet-18
# without and with non-local blocks), 400 iterations of 2 images 0.045
# (ResNet-18). Measured with one thread a run, two runs side by side on 2
# CPU cores: 7.7 min (ResNet-18), 13-16 min (ResNet-50 and its SE, ECA, SAM
# variants), 18-19 min (Attention-56, CSPMirrorNet53 + PAFPN); 12 configs x
# 3 seeds come to about 4.5-5 hours.
max_epochs = 2
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min_ratio=0.01,
        begin=0,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]
