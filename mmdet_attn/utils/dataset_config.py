"""What a config says about its dataset: the classes, the heads sized for
them, and the top-level ``data_root`` and ``classes`` resolved after
``--cfg-options``.

MMEngine resolves a config's variables when it parses the file: the
dataloaders and evaluators of ``configs/_base_/datasets/custom27.py`` hold
copies of ``data_root`` and ``classes``, so ``--cfg-options data_root=...``
alone changes nothing but the top-level key. :func:`apply_dataset_variables`
gives that key its meaning back, and :func:`check_num_classes` stops a run
whose heads are sized for another number of classes than its dataset.
"""
import copy
import json
import os.path as osp
from typing import Any, Iterator, List, Optional, Tuple

from mmdet.registry import DATASETS
from mmengine.config import Config
from mmengine.fileio import exists, get_local_path
from mmengine.logging import print_log

__all__ = [
    'apply_dataset_variables', 'check_num_classes', 'dataset_classes',
    'head_num_classes'
]

_DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
_EVALUATORS = ('val_evaluator', 'test_evaluator')
# Sub-models whose num_classes is not the dataset's: the RPN's is its
# objectness class, a backbone's (classification nets) its ImageNet head.
_NOT_DATASET_HEADS = ('rpn_head', 'backbone')


def _walk(node: Any, path: str) -> Iterator[Tuple[str, Any]]:
    """Every dict below ``node`` (``node`` included), with its dotted path;
    list items are numbered, as ``--cfg-options`` keys write them."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f'{path}.{key}')
    elif isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            yield from _walk(value, f'{path}.{index}')


def head_num_classes(model: dict,
                     path: str = 'model') -> List[Tuple[str, int]]:
    """The ``num_classes`` of every head of a model config, RPN excluded.

    Args:
        model (dict): a model config.
        path (str): the config key of ``model``.

    Returns:
        list[tuple[str, int]]: the ``--cfg-options`` key of each
        ``num_classes`` and its value, e.g.
        ``('model.roi_head.bbox_head.num_classes', 27)``; a Cascade R-CNN's
        list of box heads gives ``model.roi_head.bbox_head.0.num_classes``
        and so on.

    Example:
        >>> head_num_classes(dict(bbox_head=dict(num_classes=3)))
        [('model.bbox_head.num_classes', 3)]
    """
    found = []
    for key, node in _walk(model, path):
        if any(part in _NOT_DATASET_HEADS for part in key.split('.')):
            continue
        if isinstance(node.get('num_classes'), int):
            found.append((f'{key}.num_classes', node['num_classes']))
    return found


def dataset_classes(dataset: Optional[dict]) -> Optional[Tuple[str, ...]]:
    """The class names a dataset config will have, without building it.

    Args:
        dataset (dict, optional): a dataset config; wrappers
            (``RepeatDataset``, ``ClassBalancedDataset``,
            ``ConcatDataset``) give the classes of what they wrap.

    Returns:
        tuple[str], optional: ``metainfo['classes']``, else the default
        classes of the dataset type (``METAINFO``); None when neither is
        known.

    Example:
        >>> dataset_classes(dict(type='CocoDataset',
        ...                      metainfo=dict(classes=('cat', 'dog'))))
        ('cat', 'dog')
    """
    if not isinstance(dataset, dict):
        return None
    metainfo = dataset.get('metainfo')
    if isinstance(metainfo, dict) and metainfo.get('classes') is not None:
        classes = metainfo['classes']
        return (classes, ) if isinstance(classes, str) else tuple(classes)
    if isinstance(dataset.get('dataset'), dict):
        return dataset_classes(dataset['dataset'])
    if isinstance(dataset.get('datasets'), (list, tuple)):
        for wrapped in dataset['datasets']:
            classes = dataset_classes(wrapped)
            if classes is not None:
                return classes
        return None
    dataset_type = dataset.get('type')
    cls = DATASETS.get(dataset_type) if isinstance(dataset_type,
                                                   str) else dataset_type
    classes = getattr(cls, 'METAINFO', {}).get('classes')
    return None if classes is None else tuple(classes)


def check_num_classes(cfg: Config) -> None:
    """Stop a run whose heads predict another number of classes than its
    datasets have.

    A head with fewer outputs fails deep in the loss (``IndexError: Target
    13 is out of bounds``); one with more trains silently with dead
    outputs. Every head with a ``num_classes`` (the RPN excluded) is
    compared with the classes of every dataloader's dataset.

    Args:
        cfg (Config): the run's config, overrides merged.

    Raises:
        ValueError: naming the dataset's class count, each mismatched
            head's count and the ``--cfg-options`` that fixes it.

    Example:
        >>> check_num_classes(Config(dict(
        ...     model=dict(bbox_head=dict(num_classes=2)),
        ...     train_dataloader=dict(dataset=dict(
        ...         metainfo=dict(classes=('cat', )))))))
        Traceback (most recent call last):
        ValueError: train_dataloader.dataset has 1 class ...
    """
    heads = head_num_classes(cfg.get('model') or {})
    for loader in _DATALOADERS:
        classes = dataset_classes((cfg.get(loader) or {}).get('dataset'))
        if classes is None:
            continue
        wrong = [(key, n) for key, n in heads if n != len(classes)]
        if not wrong:
            continue
        shown = ', '.join(classes[:5]) + (', ...' if len(classes) > 5 else '')
        counts = '; '.join(f'{key} is {n}' for key, n in wrong)
        fix = ' '.join(f'{key}={len(classes)}' for key, _ in wrong)
        plural = 'class' if len(classes) == 1 else 'classes'
        raise ValueError(
            f'{loader}.dataset has {len(classes)} {plural} ({shown}), but '
            f'{counts}: every head must predict {len(classes)} {plural}. '
            f'Set --cfg-options {fix} (or change the dataset\'s '
            'metainfo.classes).')


def _categories_by_id(ann_file: str,
                      backend_args: Optional[dict]) -> List[str]:
    """The category names of a COCO-format file, ordered by their ids."""
    with get_local_path(ann_file, backend_args=backend_args) as local:
        with open(local, 'rb') as f:
            try:
                categories = json.load(f)['categories']
                return [
                    c['name']
                    for c in sorted(categories, key=lambda c: c['id'])
                ]
            except (ValueError, KeyError, TypeError) as e:
                raise ValueError(
                    f"data_root: cannot read the categories of '{ann_file}' "
                    f'({type(e).__name__}: {e}); expected a COCO-format '
                    "file with a 'categories' list of {id, name}.") from None


def _training_annotation_file(cfg: Config,
                              options: dict) -> Tuple[str, Optional[dict]]:
    """The annotation file of the training dataset as the config resolves it
    once ``options`` are merged, joined to its dataset's ``data_root``.

    Args:
        cfg (Config): the config before the options are merged.
        options (dict): the ``--cfg-options``; an explicit ``ann_file`` or
            ``data_root`` of the training dataset wins.

    Returns:
        tuple[str, dict | None]: the file and its dataset's
        ``backend_args``.

    Raises:
        ValueError: when the training dataset has no ``ann_file``.
        FileNotFoundError: when the file does not exist, naming the key
            that points at it (``train_dataloader.dataset.ann_file``, or
            ``train_dataloader.dataset.dataset.ann_file`` inside a
            ``RepeatDataset``).
    """
    merged = copy.deepcopy(cfg)
    merged.merge_from_dict(options)
    train_dataset = (merged.get('train_dataloader') or {}).get('dataset')
    datasets = [
        (key, node)
        for key, node in _walk(train_dataset, 'train_dataloader.dataset')
        if isinstance(node.get('ann_file'), str)
    ]
    if not datasets:
        raise ValueError('data_root: the classes are read from the training '
                         'annotation file, but train_dataloader.dataset has '
                         'no ann_file; give the classes too: --cfg-options '
                         'data_root=DIR classes="(name_1,name_2)".')
    key, dataset = datasets[0]
    ann_file = osp.join(dataset.get('data_root') or '', dataset['ann_file'])
    if not exists(ann_file, backend_args=dataset.get('backend_args')):
        raise FileNotFoundError(
            'data_root: the classes are read from the training annotation '
            f"file {key}.ann_file={dataset['ann_file']!r}, which does not "
            f"exist: '{ann_file}'. Point that key at your file, relative to "
            f'data_root (e.g. --cfg-options {key}.ann_file='
            'annotations/train.json), or give the classes too: '
            'classes="(name_1,name_2)".')
    return ann_file, dataset.get('backend_args')


def apply_dataset_variables(cfg: Config, options: dict) -> None:
    """Give the top-level ``data_root`` and ``classes`` of ``--cfg-options``
    effect in every place the config copied them to.

    - ``data_root=DIR`` repoints every dataset whose ``data_root`` was the
      config's, and every evaluator ``ann_file`` under it. When the config
      declares its own top-level ``classes`` (the ``_custom27`` configs do)
      and the options do not give them, they become the category names of
      the training dataset's annotation file, ordered by id: its
      ``ann_file`` under its ``data_root`` as the options leave them (by
      default ``DIR/annotations/instances_train.json``; an explicit
      ``train_dataloader.dataset.ann_file=...`` wins).
    - ``classes=(...)`` (or the classes read above) replaces every
      ``metainfo.classes`` that were the config's, and every head
      ``num_classes`` (RPN excluded) equal to their count becomes the new
      count.

    Run it on the parsed config before merging the options (each option
    key must merge into it): a key set explicitly in the options still
    wins.

    Args:
        cfg (Config): the config as parsed; updated in place.
        options (dict): the ``--cfg-options``.

    Example:
        >>> cfg = Config.fromfile('configs/faster_rcnn_r18_custom27.py')
        >>> apply_dataset_variables(
        ...     cfg, {'data_root': 'data/balls/', 'classes': ('red', 'blue')})
        >>> cfg.val_dataloader.dataset.data_root
        'data/balls/'
        >>> cfg.model.roi_head.bbox_head.num_classes
        2
    """
    old_root, old_classes = cfg.get('data_root'), cfg.get('classes')
    new_classes = options.get('classes')
    if 'data_root' in options and old_root is not None:
        new_root = options['data_root']
        for _, node in _walk(cfg._cfg_dict, 'cfg'):
            if node.get('data_root') == old_root:
                node['data_root'] = new_root
        for _, node in _walk([cfg.get(key) for key in _EVALUATORS], 'eval'):
            ann_file = node.get('ann_file')
            if isinstance(ann_file, str) and ann_file.startswith(old_root):
                node['ann_file'] = osp.join(new_root, ann_file[len(old_root):])
        if new_classes is None and old_classes is not None:
            ann_file, backend_args = _training_annotation_file(cfg, options)
            new_classes = _categories_by_id(ann_file, backend_args)
            print_log(
                f'data_root={new_root}: classes from {ann_file}: '
                f'{new_classes}',
                logger='current')
    if new_classes is None or old_classes is None:
        return
    if isinstance(new_classes, str):
        new_classes = (new_classes, )
    old_classes, new_classes = tuple(old_classes), tuple(new_classes)
    cfg.classes = new_classes
    if new_classes == old_classes:
        return
    for _, node in _walk(cfg._cfg_dict, 'cfg'):
        metainfo = node.get('metainfo')
        if (isinstance(metainfo, dict)
                and isinstance(metainfo.get('classes'), (list, tuple))
                and tuple(metainfo['classes']) == old_classes):
            metainfo['classes'] = new_classes
    for key, count in head_num_classes(cfg.get('model') or {}):
        if count == len(old_classes):
            _set(cfg, key, len(new_classes))


def _set(cfg: Config, key: str, value: Any) -> None:
    """Set the dotted ``key`` (list items numbered) of ``cfg``."""
    *parents, last = key.split('.')
    node: Any = cfg._cfg_dict
    for part in parents:
        node = node[int(part)] if isinstance(node,
                                             (list, tuple)) else node[part]
    node[last] = value
