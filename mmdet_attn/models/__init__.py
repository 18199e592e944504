"""Backbones and attention layers, registered in MMDetection's ``MODELS``."""
from . import backbones, layers  # noqa: F401
