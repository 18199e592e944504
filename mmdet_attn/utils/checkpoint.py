"""Weights-only checkpoint loading for MMEngine checkpoints on torch >= 2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default, and MMEngine
0.10.7 calls ``torch.load`` without the flag. A checkpoint written by the
MMEngine runner holds a few non-tensor objects besides the weights (the
message hub's ``HistoryBuffer`` and the numpy arrays, scalars and dtypes it
keeps), so the default loader refuses it. Switching weights-only loading off
would let any pickled global run on load; instead this module allow-lists
exactly the types the runner writes, and keeps everything else refused.

``import mmdet_attn`` calls :func:`setup_checkpoint_loading`, which
registers that allow-list for the whole process (so ``init_detector``,
``DetInferencer``, ``load_checkpoint`` and ``Runner(load_from=...)`` load
this package's checkpoints) and makes MMEngine name the file when a local
checkpoint cannot be read.

One global needs care: a ``HistoryBuffer`` pickles its statistics methods
(``HistoryBuffer.min``, ...) as ``builtins.getattr(HistoryBuffer, 'min')``.
Allowing the builtin ``getattr`` would hand any attribute of any allowed
object to the unpickler, so the checkpoint's ``builtins.getattr`` is mapped
to :func:`history_buffer_statistic`, which returns those methods and
nothing else.
"""
import contextlib
import os.path as osp
import pickle
from typing import Callable, Iterator, List, Optional, Union

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader, load_from_local

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


def _has_safe_globals() -> bool:
    """Whether this torch has an allow-list (torch >= 2.6; older versions
    do not load weights-only by default, so nothing needs allowing)."""
    return hasattr(torch.serialization, 'add_safe_globals') and hasattr(
        torch.serialization, 'safe_globals')


@contextlib.contextmanager
def checkpoint_safe_globals() -> Iterator[None]:
    """Context in which MMEngine checkpoints load with weights-only loading.

    Inside it, ``torch.load`` (weights-only, the torch >= 2.6 default) accepts
    the types listed by :func:`mmengine_checkpoint_globals` and still refuses
    every other pickled global. On exit, only what the context added is
    removed: the process-wide registration done by ``import mmdet_attn``
    stays in force.

    Example:
        >>> import io, torch
        >>> from mmengine.logging import HistoryBuffer
        >>> buffer = io.BytesIO()
        >>> torch.save({'loss': HistoryBuffer([1., 2.], [1, 1])}, buffer)
        >>> with checkpoint_safe_globals():
        ...     _ = buffer.seek(0)
        ...     float(torch.load(buffer)['loss'].mean())
        1.5
    """
    if not _has_safe_globals():
        yield
        return
    already = set(torch.serialization.get_safe_globals())
    added = [g for g in mmengine_checkpoint_globals() if g not in already]
    torch.serialization.add_safe_globals(added)
    try:
        yield
    finally:
        # torch.serialization.safe_globals() would remove every listed
        # global on exit, including those registered for the process.
        remaining = [
            g for g in torch.serialization.get_safe_globals() if g not in added
        ]
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(remaining)


class CheckpointLoadError(RuntimeError):
    """A local checkpoint file exists but cannot be loaded."""


def load_from_local_file(
        filename: str,
        map_location: Optional[Union[str, Callable]] = None) -> dict:
    """MMEngine's loader for local checkpoint files, naming the file when it
    cannot be read.

    torch's own errors for a truncated or corrupt file (``PytorchStreamReader
    failed reading zip archive``, ``invalid load key``) and for a refused
    pickled global do not say which file they came from; this loader stops
    with :class:`CheckpointLoadError` naming it, its size and the cause, the
    original error chained.

    Args:
        filename (str): path of the checkpoint (``~`` is expanded).
        map_location (str or Callable, optional): as for ``torch.load``.

    Returns:
        dict: the loaded checkpoint.

    Raises:
        FileNotFoundError: the file does not exist.
        CheckpointLoadError: the file cannot be loaded.

    Example:
        >>> import os.path as osp, tempfile, torch
        >>> path = osp.join(tempfile.mkdtemp(), 'epoch_1.pth')
        >>> torch.save({'state_dict': {'w': torch.ones(2)}}, path)
        >>> load_from_local_file(path, 'cpu')['state_dict']['w'].tolist()
        [1.0, 1.0]
        >>> with open(path, 'wb') as f:
        ...     _ = f.write(b'truncated')
        >>> try:
        ...     load_from_local_file(path)
        ... except CheckpointLoadError as err:
        ...     path in str(err) and 'truncated or corrupt' in str(err)
        True
    """
    try:
        return load_from_local(filename, map_location)
    except FileNotFoundError:
        raise
    except Exception as err:
        path = osp.abspath(osp.expanduser(filename))
        size = osp.getsize(path)
        if 'Weights only load failed' in str(err):
            reason = ('it holds a pickled object that weights-only loading '
                      'refuses (only the MMEngine checkpoint types listed by '
                      'mmdet_attn.utils.mmengine_checkpoint_globals() are '
                      'allowed); load only checkpoints from a source you '
                      'trust')
        else:
            reason = ('the file is truncated or corrupt (an interrupted '
                      'save, copy or download?); copy it again or use '
                      'another checkpoint')
        cause = str(err).strip().splitlines()[0] if str(err).strip() else ''
        raise CheckpointLoadError(
            f'cannot load checkpoint {path} ({size} bytes): {reason}. '
            f'{type(err).__name__}: {cause}') from err


def setup_checkpoint_loading() -> None:
    """Make this package's checkpoints load everywhere in the process.

    Registers :func:`mmengine_checkpoint_globals` with torch's weights-only
    loader for the whole process (every other pickled global stays refused),
    and :func:`load_from_local_file` as MMEngine's loader for local paths.
    ``import mmdet_attn`` calls it; calling it again changes nothing.

    Example:
        >>> import os.path as osp, tempfile, torch
        >>> from mmengine.logging import HistoryBuffer
        >>> from mmengine.runner import CheckpointLoader
        >>> setup_checkpoint_loading()
        >>> path = osp.join(tempfile.mkdtemp(), 'epoch_1.pth')
        >>> torch.save({'message_hub': HistoryBuffer([0.5], [1])}, path)
        >>> type(CheckpointLoader.load_checkpoint(path)['message_hub'])
        <class 'mmengine.logging.history_buffer.HistoryBuffer'>
    """
    if _has_safe_globals():
        torch.serialization.add_safe_globals(mmengine_checkpoint_globals())
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_file, force=True)
