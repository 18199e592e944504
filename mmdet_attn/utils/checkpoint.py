"""Weights-only checkpoint loading for MMEngine checkpoints on torch >= 2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default, and MMEngine
0.10.7 calls ``torch.load`` without the flag. A checkpoint written by the
MMEngine runner holds a few non-tensor objects besides the weights (the
message hub's ``HistoryBuffer`` and the numpy arrays, scalars and dtypes it
keeps), so the default loader refuses it. Switching weights-only loading off
would let any pickled global run on load; instead this module allow-lists
exactly the types the runner writes, and keeps everything else refused.
"""
import contextlib
from typing import Iterator, List

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

# The numpy dtypes MMEngine's logs and meta information can hold.
_NUMPY_SCALAR_TYPES = (np.bool_, np.int8, np.int16, np.int32, np.int64,
                       np.uint8, np.uint16, np.uint32, np.uint64, np.float16,
                       np.float32, np.float64)


def _numpy_multiarray():
    """numpy>=2 moved ``numpy.core`` to ``numpy._core``; pickles name the
    module that wrote them, so both spellings are resolved here."""
    core = getattr(np, '_core', None) or np.core
    return core.multiarray


def mmengine_checkpoint_globals() -> List[object]:
    """The globals, beyond tensors, that an MMEngine runner checkpoint holds.

    ``builtins.getattr`` and other callables that could reach arbitrary code
    are deliberately absent: an object that needs them is refused.

    Returns:
        list: classes and reconstruction functions safe to unpickle.
    """
    multiarray = _numpy_multiarray()
    dtype_classes = [type(np.dtype(t)) for t in _NUMPY_SCALAR_TYPES]
    return [
        HistoryBuffer,
        np.ndarray,
        np.dtype,
        multiarray.scalar,
        multiarray._reconstruct,
        *dtype_classes,
    ]


@contextlib.contextmanager
def checkpoint_safe_globals() -> Iterator[None]:
    """Context in which MMEngine checkpoints load with weights-only loading.

    Inside it, ``torch.load`` (weights-only, the torch >= 2.6 default) accepts
    the types listed by :func:`mmengine_checkpoint_globals` and still refuses
    every other pickled global. Outside it nothing changes.

    Example:
        >>> from mmdet_attn.utils import checkpoint_safe_globals
        >>> with checkpoint_safe_globals():
        ...     runner.train()  # load_from / resume work
    """
    if not hasattr(torch.serialization, 'safe_globals'):
        # torch < 2.5 does not load weights-only by default: nothing to allow.
        yield
        return
    with torch.serialization.safe_globals(mmengine_checkpoint_globals()):
        yield
