"""Helpers of the backbone benchmark
(``tools/analysis_tools/benchmark_backbones.py``): timing and peak memory,
the model zoo's backbone names.

Not imported by ``import mmdet_attn`` (training and testing need none of
it); the tools import the modules they use, e.g.
``from mmdet_attn.analysis.benchmark import peak_memory_mib``.
"""
