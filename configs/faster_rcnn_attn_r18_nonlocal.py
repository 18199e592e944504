# faster_rcnn_attn_r18.py with a non-local block (embedded Gaussian,
# identity at initialisation) after the gate and ECA of stages 3 and 4; as
# there, no attention on the frozen stage 1.
_base_ = './faster_rcnn_attn_r18.py'

model = dict(backbone=dict(non_local=dict(type='NonLocalBlock')))
