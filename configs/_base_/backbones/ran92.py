# Attention-92 (Residual Attention Network, Wang et al. CVPR 2017):
# Attention-56 (ran56.py) with 1, 2 and 3 attention modules in stages 1-3
# instead of one each, fine-tuned from its own pretraining
# (configs/pretrain/ran92_in1k.py).
_base_ = './ran56.py'

ran92 = dict(_base_.ran56, arch='attention92')
ran92_imagenet = dict(
    _base_.ran56_imagenet,
    arch='attention92',
    init_cfg=dict(
        _base_.ran56_imagenet.init_cfg,
        checkpoint='work_dirs/ran92_in1k/epoch_100.pth'))
