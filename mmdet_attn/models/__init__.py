"""Backbones, attention layers and the pretraining classifier, registered in
MMDetection's ``MODELS``."""
from . import backbones, classifiers, layers  # noqa: F401
