"""Image classifiers for pretraining this package's backbones."""
from .image_classifier import ImageClassifier

__all__ = ['ImageClassifier']
