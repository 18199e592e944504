"""Backbones, attention layers, the pretraining classifier and a CPU RoI
extractor, registered in MMDetection's ``MODELS``."""
from . import weight_converters  # noqa: F401
from . import backbones, classifiers, layers, roi_heads  # noqa: F401
