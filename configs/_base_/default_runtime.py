# MMDetection's runtime, plus the import that registers everything this
# package provides (backbones, attention layers, StrictCocoDataset).
_base_ = 'mmdet::_base_/default_runtime.py'

custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)
