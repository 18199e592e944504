# Faster R-CNN, ECA-ResNet-50 + FPN, COCO, 1x schedule, from the ECA-Net
# authors' ImageNet ECA-ResNet-50 (BangguWu/ECANet, eca_resnet50_k3557,
# top-1 77.42, MIT licence): the start of their detection results (Faster
# R-CNN 38.0 box AP in their README). Their ECA kernel size is set per stage
# (3, 5, 5, 7), and the attention of the frozen stage 1 is frozen with it.
# The weights sit behind a download page (Google Drive / Baidu, linked from
# the ECA-Net README); save the file as below, or point at it with
#   --cfg-options model.backbone.init_cfg.checkpoint=ecanet:///path/to/file
# `ecanet://` converts it on load; to keep a converted copy instead:
#   python tools/model_converters/eca_net.py eca_resnet50_k3557.pth.tar \
#       checkpoints/
_base_ = ['./faster_rcnn_r50.py', './_base_/backbones/eca_r50.py']

model = dict(
    backbone=dict(
        _base_.eca_r50,
        attention=[dict(type='ECA', kernel_size=k) for k in (3, 5, 5, 7)],
        init_cfg=dict(
            type='Pretrained',
            checkpoint='ecanet://checkpoints/eca_resnet50_k3557.pth.tar')))
