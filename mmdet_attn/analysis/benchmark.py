"""Wall-clock timing and peak memory of the benchmark scripts
(``tools/analysis_tools/benchmark_backbones.py``, and those of
``research/``)."""
import argparse
import ctypes
import gc
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Callable, List, Optional, Sequence

import psutil
import torch
from mmengine.config import DictAction

#: Suffixes of the configs that repeat a COCO config on another dataset.
DATASET_TWINS = ('_custom27', '_trees')


def coco_faster_rcnn_configs(config_dir: Path) -> List[str]:
    """Every Faster R-CNN config in ``config_dir`` but the dataset twins,
    sorted, as paths relative to the working directory."""
    return sorted(
        os.path.relpath(path) for path in config_dir.glob('faster_rcnn_*.py')
        if not path.stem.endswith(DATASET_TWINS))


def add_benchmark_arguments(parser: argparse.ArgumentParser, out_dir: str,
                            size: int, repeats: int, warmup: int) -> None:
    """The options the benchmarks share: configs, device, repeats,
    warm-up, batch, input size, output folder and ``--cfg-options``."""
    parser.add_argument(
        'configs',
        nargs='*',
        help='detector configs; default: configs/faster_rcnn_*.py but the '
        'dataset twins (*_custom27.py, *_trees.py)')
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--repeats', type=int, default=repeats)
    parser.add_argument('--warmup', type=int, default=warmup)
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument(
        '--size', type=int, nargs=2, default=[size, size], metavar=('H', 'W'))
    parser.add_argument('--out-dir', default=out_dir, help='output folder')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of every config, as in tools/train.py, '
        'e.g. model.backbone.freeze_attention=False')


def check_benchmark_args(parser: argparse.ArgumentParser,
                         args: argparse.Namespace, config_dir: Path) -> None:
    """Stop with a clear message for bad shared options; default the
    configs to :func:`coco_faster_rcnn_configs`."""
    if args.repeats < 1 or args.warmup < 0 or args.batch < 1:
        parser.error('need --repeats >= 1, --warmup >= 0 and --batch >= 1')
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error(f'--device cuda: CUDA is not available to torch '
                     f'{torch.__version__}')
    args.configs = args.configs or coco_faster_rcnn_configs(config_dir)
    for config in args.configs:
        if not Path(config).is_file():
            parser.error(f'config not found: {config}')


def cpu_name(cpuinfo: str = '/proc/cpuinfo') -> str:
    """The CPU's model name, for the headers of measured tables.

    CPU figures depend on the processor (its vector units decide which
    kernels oneDNN runs and what scratch memory they take), and
    ``platform.processor()`` is empty on Linux, so the model name is read
    from ``cpuinfo``; elsewhere it falls back to ``platform``.

    Args:
        cpuinfo (str): Linux's CPU description. Defaults to
            ``'/proc/cpuinfo'``.

    Returns:
        str: E.g. ``'AMD EPYC'``, or ``'x86_64'`` when no name is found.
    """
    try:
        with open(cpuinfo) as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() == 'model name' and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def median_times(fns: Sequence[Callable[[], None]], repeats: int, warmup: int,
                 device: torch.device) -> List[float]:
    """Median wall time of each of ``fns`` in milliseconds.

    Within each repeat the functions run in turn, so that a piece of work
    and its reference see the same load on a shared machine.

    Args:
        fns (Sequence[Callable]): The pieces of work to time.
        repeats (int): Timed runs of each.
        warmup (int): Untimed runs of each first.
        device (torch.device): Synchronised around each run when CUDA.

    Returns:
        list[float]: One median per function, in order.

    Example:
        >>> import torch
        >>> (ms, ) = median_times([lambda: None], 3, 1, torch.device('cpu'))
        >>> ms >= 0
        True
    """
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    for _ in range(warmup):
        for fn in fns:
            fn()
    sync()
    times: List[List[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, fn_times in zip(fns, times):
            start = time.perf_counter()
            fn()
            sync()
            fn_times.append(time.perf_counter() - start)
    return [statistics.median(t) * 1e3 for t in times]


def map_large_allocations(threshold: int = 128 * 1024) -> bool:
    """With glibc, serve every allocation of ``threshold`` bytes or more by
    its own ``mmap``, returned to the OS when freed.

    glibc raises its mmap threshold (up to 32 MiB) each time a large block
    is freed, after which tensors come from the heap and freed pages stay
    resident: an RSS reading then depends on what ran before. Fixing the
    threshold keeps the resident set following the tensors alive (measured
    here: the same ResNet-18 forward+backward read 131, 150 and 144 MiB on
    three turns between ResNet-50s with glibc's default, and 91, 92, 92 MiB
    with the threshold fixed). Call it at start-up: chunks freed to the
    heap before it still serve later requests, and a reading then depends
    on the process's history again (the same check run in-process after
    the test suite read 139 and 147 MiB). The heap's trim threshold is set
    to twice ``threshold``, glibc's own rule when it moves them; with
    ``threshold=32 MiB`` this is glibc's steady state after warm-up, fixed,
    for timings (mapping every large block costs a page fault each).

    Args:
        threshold (int): ``M_MMAP_THRESHOLD`` in bytes.
            Defaults to 128 KiB (glibc's initial value).

    Returns:
        bool: Whether the thresholds were set (False without glibc).
    """
    mallopt = getattr(ctypes.CDLL(None), 'mallopt', None)
    if not sys.platform.startswith('linux') or mallopt is None:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    return bool(
        mallopt(m_mmap_threshold, threshold)
        and mallopt(m_trim_threshold, 2 * threshold))


def release_freed_memory() -> None:
    """Collect garbage and, with glibc, return freed heap memory to the OS.

    glibc keeps freed blocks resident for reuse, so without the trim a
    second run of the same work barely raises the resident set size and an
    RSS reading would miss it.
    """
    gc.collect()
    if sys.platform.startswith('linux'):
        malloc_trim = getattr(ctypes.CDLL(None), 'malloc_trim', None)
        if malloc_trim is not None:  # glibc only
            malloc_trim(0)


class PeakRSSSampler:
    """Peak increase of this process's resident set size over a ``with``
    block, sampled by a background thread.

    An approximation of the memory the block needs: the resident set counts
    pages, not tensors, so allocator caching (freed memory kept for reuse)
    hides reuse of earlier memory and short peaks between two samples are
    missed. Call :func:`map_large_allocations` once first and
    :func:`release_freed_memory` before the block to start from memory
    actually in use.

    Args:
        interval (float): Seconds between samples. Defaults to 1e-3.

    Attributes:
        peak_bytes (int): After the block, the largest RSS sampled during it
            (including one sample at its end) minus the RSS at its start,
            at least 0.

    Example:
        >>> import torch
        >>> with PeakRSSSampler() as sampler:
        ...     x = torch.ones(2**24)  # 64 MiB, every page written
        >>> sampler.peak_bytes > 32 * 2**20
        True
    """

    def __init__(self, interval: float = 1e-3) -> None:
        self.interval = interval
        self.peak_bytes = 0
        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._start_rss = 0
        self._max_rss = 0

    def _sample(self) -> None:
        self._max_rss = max(self._max_rss, self._process.memory_info().rss)

    def _run(self) -> None:
        self._sample()
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> 'PeakRSSSampler':
        self._start_rss = self._max_rss = self._process.memory_info().rss
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self.peak_bytes = max(0, self._max_rss - self._start_rss)


def peak_memory_mib(fn: Callable[[], None],
                    device: torch.device,
                    interval: float = 1e-3) -> float:
    """Peak memory that one run of ``fn`` adds to what is in use, in MiB.

    On CUDA it is exact for tensors: ``torch.cuda.max_memory_allocated``
    over the run (after ``reset_peak_memory_stats``) minus the memory
    allocated before. On CPU there is no allocator counter: it is the peak
    resident-set increase of the process, sampled every ``interval`` seconds
    by :class:`PeakRSSSampler` after :func:`release_freed_memory`, an
    approximation (resident pages, allocator caching, missed short peaks).

    Args:
        fn (Callable): The work, e.g. one forward+backward.
        device (torch.device): Where ``fn`` allocates.
        interval (float): CPU sampling interval in seconds.
            Defaults to 1e-3.

    Returns:
        float: The peak increase in MiB (2**20 bytes).
    """
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        in_use = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        fn()
        torch.cuda.synchronize(device)
        return (torch.cuda.max_memory_allocated(device) - in_use) / 2**20
    release_freed_memory()
    with PeakRSSSampler(interval) as sampler:
        fn()
    return sampler.peak_bytes / 2**20
