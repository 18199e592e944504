"""Wall-clock timing shared by the benchmark scripts in
``tools/analysis_tools/``."""
import statistics
import time
from typing import Callable, List, Sequence

import torch


def median_times(fns: Sequence[Callable[[], None]], repeats: int,
                 warmup: int, device: torch.device) -> List[float]:
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
