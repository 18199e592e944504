"""Weights-only checkpoint loading for MMEngine checkpoints on torch >= 2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default, and MMEngine
0.10.7 calls ``torch.load`` without the flag. A checkpoint written by the
MMEngine runner holds a few non-tensor objects besides the weights (the
message hub's ``HistoryBuffer`` and the numpy arrays, scalars and dtypes it
keeps), so the default loader refuses it. Switching weights-only loading off
would let any pickled global run on load; instead this module allow-lists
exactly the types the runner writes, and keeps everything else refused.

One global needs care: a ``HistoryBuffer`` pickles its statistics methods
(``HistoryBuffer.min``, ...) as ``builtins.getattr(HistoryBuffer, 'min')``.
Allowing the builtin ``getattr`` would hand any attribute of any allowed
object to the unpickler, so the checkpoint's ``builtins.getattr`` is mapped
to :func:`history_buffer_statistic`, which returns those methods and
nothing else.
"""
import contextlib
import pickle
from typing import Callable, Iterator, List

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


def history_buffer_statistic(owner: type, name: str) -> Callable:
    """The ``getattr`` a weights-only load may call: statistics methods of
    ``HistoryBuffer`` only.

    Args:
        owner (type): must be :class:`HistoryBuffer`.
        name (str): a statistics method registered on it (``min``, ``max``,
            ``mean``, ``current`` or one added by ``register_statistics``).

    Returns:
        Callable: ``HistoryBuffer.<name>``.

    Raises:
        pickle.UnpicklingError: for any other object or attribute.
    """
    allowed = {'min', 'max', 'mean', 'current'}
    allowed.update(HistoryBuffer._statistics_methods)
    if owner is not HistoryBuffer or name not in allowed:
        raise pickle.UnpicklingError(
            f'refusing getattr({owner!r}, {name!r}) in a checkpoint: only '
            f'HistoryBuffer statistics methods {sorted(allowed)} are allowed')
    return getattr(owner, name)


def mmengine_checkpoint_globals() -> List[object]:
    """The globals, beyond tensors, that an MMEngine runner checkpoint holds.

    Callables that could reach arbitrary code are absent; the checkpoint's
    ``builtins.getattr`` resolves to :func:`history_buffer_statistic`.

    Returns:
        list: classes and reconstruction functions safe to unpickle, and
        ``(function, name)`` pairs as ``torch.serialization`` takes them.
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
        (history_buffer_statistic, 'builtins.getattr'),
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
