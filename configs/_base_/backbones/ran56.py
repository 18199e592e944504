# Attention-56 (Residual Attention Network, Wang et al. CVPR 2017).
ran56 = dict(type='ResidualAttentionNet', arch='attention56')

# Fine-tuned as MMDetection does (COCO, _trees): no ImageNet weights are
# published for it, so it starts from the backbone.* weights of the last
# epoch of its own pretraining (configs/pretrain/ran56_in1k.py,
# docs/pretraining.md); stem and stage 1 frozen, every BN in eval mode.
ran56_imagenet = dict(
    ran56,
    frozen_stages=1,
    norm_eval=True,
    init_cfg=dict(
        type='Pretrained',
        prefix='backbone.',
        checkpoint='work_dirs/ran56_in1k/epoch_100.pth'))
