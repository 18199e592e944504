"""COCO metric that maps labels to category ids by class name."""
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmdet.datasets.api_wrappers import COCO
from mmdet.evaluation import CocoMetric
from mmdet.registry import METRICS
from mmengine.fileio import get_local_path
from mmengine.logging import MMLogger

from ..datasets.coco_categories import category_ids_by_name

__all__ = ['StrictCocoMetric']


@METRICS.register_module()
class StrictCocoMetric(CocoMetric):
    """MMDetection's :class:`~mmdet.evaluation.CocoMetric` that agrees with
    :class:`~mmdet_attn.datasets.StrictCocoDataset` on what a label means.

    The stock metric maps label ``i`` to the ``i``-th category of its
    annotation file that is among the classes, in the file's order, and it
    reads the file given in its own config, which can differ from the one
    the dataset loaded. This metric:

    - maps label ``i`` to the id of the category named
      ``dataset_meta['classes'][i]`` in the file it evaluates against, so
      predictions, the COCO report and the per-class table are right for
      any category order and ids (gapped, unsorted, descending);
    - without ``ann_file``, evaluates against the annotation file of the
      dataset it is given (``dataset_meta['ann_file']``, which
      ``StrictCocoDataset`` provides), so repointing the dataset repoints
      the evaluation.

    ``cat_ids`` holds the evaluated ids sorted, as pycocotools' ``COCOeval``
    orders its per-category results, which keeps the inherited per-class
    table's names on their own rows.

    Args:
        ann_file (str, optional): COCO annotation file to evaluate against.
            Defaults to None: the dataset's file; with neither, the ground
            truth is converted from the data samples as ``CocoMetric``
            does.
        **kwargs: the other arguments of ``CocoMetric``.

    Example:
        >>> val_evaluator = dict(type='StrictCocoMetric', metric='bbox',
        ...                      classwise=True)
    """

    def __init__(self, ann_file: Optional[str] = None, **kwargs) -> None:
        super().__init__(ann_file=ann_file, **kwargs)
        self.ann_file = ann_file
        self.label_cat_ids: Optional[List[int]] = None

    @property
    def dataset_meta(self) -> Optional[dict]:
        """dict: the meta information of the dataset evaluated."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict) -> None:
        self._dataset_meta = dataset_meta
        self._bind_categories()

    def _bind_categories(self) -> None:
        """Load the annotation file to evaluate against and map each label
        to its category id there."""
        meta = self._dataset_meta or {}
        dataset_file = meta.get('ann_file')
        ann_file = self.ann_file or dataset_file
        if ann_file is None:
            return
        if (self.ann_file and dataset_file
                and osp.abspath(self.ann_file) != osp.abspath(dataset_file)):
            MMLogger.get_current_instance().warning(
                f'{type(self).__name__} evaluates against {self.ann_file}, '
                f'the dataset loaded {dataset_file}; drop the ann_file of '
                'the evaluator to evaluate against the dataset\'s file.')
        if self.ann_file is None:
            with get_local_path(
                    ann_file, backend_args=self.backend_args) as local_path:
                self._coco_api = COCO(local_path)
        if 'classes' not in meta:
            raise ValueError(
                f'{type(self).__name__}: the dataset gives no classes in '
                "its metainfo; set metainfo=dict(classes=(...)) on it.")
        try:
            self.label_cat_ids = category_ids_by_name(
                self._coco_api.dataset['categories'], meta['classes'])
        except ValueError as e:
            raise ValueError(f'{type(self).__name__}: annotation file '
                             f"'{ann_file}': {e}") from None
        self.cat_ids = sorted(self.label_cat_ids)

    def results2json(self, results: Sequence[dict],
                     outfile_prefix: str) -> dict:
        """Dump the predictions to COCO json files with, for label ``i``,
        the id of the category named ``classes[i]``.

        Args:
            results (Sequence[dict]): the predictions of each image, with
                ``labels``, as :meth:`process` gives them.
            outfile_prefix (str): the prefix of the json files.

        Returns:
            dict: the files written, as ``CocoMetric.results2json``.
        """
        if self.label_cat_ids is None:
            return super().results2json(results, outfile_prefix)
        # CocoMetric writes cat_ids[label]; cat_ids is sorted here, so each
        # label is first replaced by the position of its category id.
        position = {cat_id: i for i, cat_id in enumerate(self.cat_ids)}
        label_to_position = np.array(
            [position[cat_id] for cat_id in self.label_cat_ids], dtype=int)
        relabelled = [
            dict(result, labels=label_to_position[result['labels']])
            for result in results
        ]
        return super().results2json(relabelled, outfile_prefix)
