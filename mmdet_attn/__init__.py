"""mmdet-attn: attention-augmented CNN backbones for MMDetection.

Importing the package registers its models, attention layers, datasets and
metrics in MMDetection's registries; configs do it with
``custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)``.
"""
from . import datasets, evaluation, models, visualization  # noqa: F401

__version__ = '0.1.0'
