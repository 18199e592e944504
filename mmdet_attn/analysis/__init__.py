"""Helpers of the analysis tools in ``tools/analysis_tools/``: timing and
peak memory of the benchmarks, the accuracy study's metrics and seeds, the
model zoo's backbone names.

Not imported by ``import mmdet_attn`` (training and testing need none of
it); the tools import the modules they use, e.g.
``from mmdet_attn.analysis.benchmark import peak_memory_mib``.
"""
