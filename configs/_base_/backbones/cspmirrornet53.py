# CSPMirrorNet53 (the CSPMirrorNet repository's backbone: mirror blocks in
# CSP stages, Mish) and the widths of its four outputs, for the neck.
cspmirrornet53 = dict(type='CSPMirrorNet', arch='csp_mirror_net53')
cspmirrornet53_channels = [128, 256, 512, 1024]

# Fine-tuned as MMDetection does (COCO, _trees): no ImageNet weights are
# published for it, so it starts from the backbone.* weights of the last
# epoch of its own pretraining (configs/pretrain/cspmirrornet53_in1k.py);
# stem and stage 1 frozen, every BN in eval mode.
cspmirrornet53_imagenet = dict(
    cspmirrornet53,
    frozen_stages=1,
    norm_eval=True,
    init_cfg=dict(
        type='Pretrained',
        prefix='backbone.',
        checkpoint='work_dirs/cspmirrornet53_in1k/epoch_100.pth'))
