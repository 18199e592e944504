# The ECA + Attention-Gate ResNet-18 (GatedECAResNet) as a classifier of the
# synthetic set's object crops, trained as a whole: the second arm of the
# pretrained-regime study (research/pretrained_study.py), attention
# pretrained with its trunk. The recipe and seed are its plain twin's
# (r18_custom27_crops.py). The classifier reads the last stage only
# (out_indices=(3, ), as attn_r18_in1k.py): only that stage's output gate
# and ECA are built and pretrained; the detector starts those of stages 1-3
# anew. Gates and ECA are in their identity form (identity_init), the form
# the detector's new ones need: a new gate in the ordinary form, under
# norm_eval, starts saturated at 0 or 1 and does not train.
_base_ = ['./r18_custom27_crops.py', '../_base_/backbones/attn_r18.py']

model = dict(
    backbone=dict(_base_.attn_r18_identity, _delete_=True, out_indices=(3, )))
