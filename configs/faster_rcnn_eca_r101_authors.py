# Faster R-CNN, ECA-ResNet-101 + FPN, COCO, 1x schedule, from the ECA-Net
# authors' ImageNet ECA-ResNet-101 (BangguWu/ECANet, eca_resnet101_k3357,
# top-1 78.65, MIT licence; their Faster R-CNN: 40.3 box AP). ECA kernel
# sizes per stage (3, 3, 5, 7); stage 1's attention frozen with the stage.
# The weights sit behind a download page (Google Drive / Baidu, linked from
# the ECA-Net README); save the file as below, or point at it with
#   --cfg-options model.backbone.init_cfg.checkpoint=ecanet:///path/to/file
# To keep a converted copy instead:
#   python tools/model_converters/eca_net.py eca_resnet101_k3357.pth.tar \
#       checkpoints/
_base_ = './faster_rcnn_eca_r50_authors.py'

model = dict(
    backbone=dict(
        depth=101,
        attention=[dict(type='ECA', kernel_size=k) for k in (3, 3, 5, 7)],
        init_cfg=dict(
            checkpoint='ecanet://checkpoints/eca_resnet101_k3357.pth.tar')))
