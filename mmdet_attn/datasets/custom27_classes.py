"""The class names of ``custom27``, the embedded synthetic dataset (its
generator: :mod:`mmdet_attn.datasets.synthetic_custom27`)."""
from typing import Tuple

__all__ = ['SHAPES', 'MARKINGS', 'CUSTOM27_CLASSES']

SHAPES: Tuple[str, ...] = ('circle', 'square', 'triangle', 'diamond',
                           'hexagon', 'star', 'cross', 'ring', 'arrow')
MARKINGS: Tuple[str, ...] = ('plain', 'dot', 'bar')
#: The 27 class names, ``'<shape>_<marking>'``; category id = index + 1.
CUSTOM27_CLASSES: Tuple[str, ...] = tuple(f'{s}_{m}' for s in SHAPES
                                          for m in MARKINGS)
