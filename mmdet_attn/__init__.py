"""mmdet-attn: attention-augmented CNN backbones for MMDetection.

Importing the package registers its models, attention layers, datasets and
metrics in MMDetection's registries, and the allow-list that lets torch's
weights-only loader read MMEngine checkpoints (see
:mod:`mmdet_attn.utils.checkpoint`); configs do it with
``custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)``.
"""
from . import datasets, evaluation, models  # noqa: F401
from .utils.checkpoint import setup_checkpoint_loading

setup_checkpoint_loading()

__version__ = '0.1.0'
