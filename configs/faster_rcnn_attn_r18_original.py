# Faster R-CNN with GatedECAResNet-18 + FPN, COCO, 1x schedule, in the gate
# and ECA layout of the original ECA + Attention-Gate ResNet repository
# (Attttttention-ResNet): 3x3 gate convs with BN-ReLU and dropout 0.5, a BN
# after psi, g resized with align_corners=True, ECA with k = 3 and dropout
# 0.5, no identity start (docs/fidelity.md). The package's own layout is
# faster_rcnn_attn_r18.py. Gates and ECA only on stages 2-4, which train:
# on the frozen stage 1 they would stay as initialised, never learning.
_base_ = ['./faster_rcnn_r18.py', './_base_/backbones/attn_r18_original.py']

model = dict(backbone=_base_.attn_r18_original_imagenet)
