# A backbone of this package as an ImageNet classifier: its last returned
# map, global average pooling, a linear head (ImageClassifier); the
# backbone's weights are saved under backbone.* for the detectors.
_base_ = ['./imagenet_bs32.py', './schedule_resnet_in1k.py', './runtime.py']

model = dict(
    type='ImageClassifier',
    num_classes={{_base_.num_classes}},
    data_preprocessor=dict(
        type='ImgDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True))
