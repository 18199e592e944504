"""Top-k classification accuracy, for pretraining runs.

MMPretrain's ``Accuracy`` is the ecosystem's metric, but it cannot be
imported where torchvision cannot (see :mod:`mmdet_attn.models.classifiers`).
"""
from typing import Dict, List, Sequence

import torch
from mmdet.registry import METRICS
from mmengine.evaluator import BaseMetric


@METRICS.register_module()
class TopKAccuracy(BaseMetric):
    """Percentage of images whose label is among the ``k`` best scores.

    Args:
        topk (Sequence[int]): The ``k`` values. Defaults to ``(1, 5)``.
        collect_device (str): Where results are gathered across ranks.
            Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to
            None.

    Example:
        >>> import torch
        >>> metric = TopKAccuracy(topk=(1, 2))
        >>> metric.process({}, [dict(pred_score=torch.tensor([.1, .7, .2]),
        ...                          gt_label=torch.tensor([2]))])
        >>> metric.compute_metrics(metric.results)
        {'top1': 0.0, 'top2': 100.0}
    """

    default_prefix = 'accuracy'

    def __init__(self,
                 topk: Sequence[int] = (1, 5),
                 collect_device: str = 'cpu',
                 prefix: str = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not topk or any(k < 1 for k in topk):
            raise ValueError(f'topk must be positive integers, got {topk}')
        self.topk = tuple(topk)

    def process(self, data_batch: dict, data_samples: Sequence) -> None:
        """Keep, per image, the rank of its label among the scores."""
        for sample in data_samples:
            score = sample['pred_score']
            label = int(sample['gt_label'])
            self.results.append(int((score > score[label]).sum()))

    def compute_metrics(self, results: List[int]) -> Dict[str, float]:
        """``top{k}``: percentage of images whose label ranks below ``k``.
        With fewer than ``k`` classes every image counts as correct."""
        ranks = torch.tensor(results)
        return {
            f'top{k}': round(float((ranks < k).float().mean() * 100), 2)
            for k in self.topk
        }
