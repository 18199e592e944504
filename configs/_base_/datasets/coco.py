# COCO 2017 detection as MMDetection defines it; expects data/coco/ with
# annotations/instances_{train,val}2017.json, train2017/ and val2017/.
_base_ = 'mmdet::_base_/datasets/coco_detection.py'
