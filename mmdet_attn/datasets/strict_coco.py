"""COCO dataset that validates its annotation file before loading it."""
import json
import math
from numbers import Real
from typing import Any, List, Sequence

from mmdet.datasets import CocoDataset
from mmdet.datasets.api_wrappers import COCO
from mmdet.registry import DATASETS
from mmengine.fileio import exists, get_local_path

from .coco_categories import category_ids_by_name

__all__ = ['NameOrderedCOCO', 'StrictCocoDataset']

_GENERATE_HINT = ('For the default synthetic dataset run '
                  '`python tools/misc/generate_custom27.py` from the '
                  'repository root; to use other data, repoint the config, '
                  'e.g. `--cfg-options data_root=/data/mine/` with '
                  'tools/train.py or tools/test.py.')


def _is_number(value: Any) -> bool:
    return (isinstance(value, Real) and not isinstance(value, bool)
            and math.isfinite(value))


def _short(ids: Sequence, limit: int = 40) -> str:
    ids = sorted(ids, key=lambda v: (str(type(v)), v))
    text = ', '.join(repr(i) for i in ids[:limit])
    return f'[{text}{", ..." if len(ids) > limit else ""}]'


class NameOrderedCOCO(COCO):
    """MMDetection's COCO API whose ``get_cat_ids(cat_names=...)`` returns
    the ids in the order of the names given.

    pycocotools returns them in the order of the file's ``categories``
    list, so :class:`~mmdet.datasets.CocoDataset` numbers its labels in
    each file's own order. Queries by super-category or id, or with more
    than the names, behave as in pycocotools.

    Example:
        >>> import json, os.path as osp, tempfile
        >>> ann_file = osp.join(tempfile.mkdtemp(), 'instances_val.json')
        >>> with open(ann_file, 'w') as f:
        ...     json.dump(dict(images=[], annotations=[], categories=[
        ...         dict(id=1, name='cat'), dict(id=7, name='dog')]), f)
        >>> coco = NameOrderedCOCO(ann_file)  # doctest: +ELLIPSIS
        loading annotations into memory...
        >>> coco.get_cat_ids(cat_names=['dog', 'cat'])
        [7, 1]
    """

    def get_cat_ids(
        self,
        cat_names: Sequence[str] = (),
        sup_names: Sequence[str] = (),
        cat_ids: Sequence[int] = ()
    ) -> List[int]:
        """The ids of the categories named, in the order of ``cat_names``.

        Args:
            cat_names (Sequence[str]): category names.
            sup_names (Sequence[str]): super-category names (pycocotools'
                order).
            cat_ids (Sequence[int]): category ids to keep (pycocotools'
                order).

        Returns:
            list[int]: the category ids.
        """
        if not cat_names or sup_names or cat_ids:
            return super().get_cat_ids(
                list(cat_names), list(sup_names), list(cat_ids))
        return category_ids_by_name(self.dataset['categories'], cat_names)


@DATASETS.register_module()
class StrictCocoDataset(CocoDataset):
    """MMDetection's :class:`~mmdet.datasets.CocoDataset` plus checks of the
    annotation file.

    The stock dataset fails late and obscurely on a bad annotation file (a
    missing file or truncated JSON surfaces as a traceback deep inside
    pycocotools) or misbehaves silently (a class of ``metainfo['classes']``
    absent from the file's categories is dropped, so labels shift and a
    class never trains; annotations pointing at unknown categories or
    images are ignored). This subclass only overrides :meth:`load_data_list`:
    it reads the file once, checks it and raises :class:`FileNotFoundError`
    or :class:`ValueError` with a message naming the file, what is wrong and
    what is expected, then loads exactly as :class:`CocoDataset` does.

    Checks:

    - the file exists;
    - it is valid JSON whose top level is an object with the lists
      ``images`` (non-empty), ``annotations`` and ``categories``;
    - every category has ``id`` and ``name``; every image has ``id``,
      ``file_name``, ``width`` and ``height``;
    - every annotation has ``id``, ``image_id``, ``category_id``, ``bbox``
      and ``area``; its ``category_id`` is one of the file's category ids
      and its ``image_id`` one of the file's image ids; its ``bbox`` is 4
      finite numbers ``[x, y, w, h]`` with ``w >= 0`` and ``h >= 0``;
    - every name in ``metainfo['classes']`` is a category name in the file,
      and no other category of the file has the same name.

    Labels follow the class names, not the file's category order: label
    ``i`` is ``metainfo['classes'][i]`` whatever the order and the ids of
    the file's categories (:class:`NameOrderedCOCO`), so train, val and
    test files exported with different category lists agree. The file
    loaded is also kept as ``metainfo['ann_file']``, where
    :class:`~mmdet_attn.evaluation.StrictCocoMetric` finds it.

    Arguments are those of :class:`CocoDataset`.

    Example:
        >>> import json, os.path as osp, tempfile
        >>> ann_file = osp.join(tempfile.mkdtemp(), 'instances_val.json')
        >>> with open(ann_file, 'w') as f:
        ...     json.dump(dict(
        ...         images=[dict(id=1, file_name='a.png', width=8, height=8)],
        ...         annotations=[dict(id=1, image_id=1, category_id=7,
        ...                           bbox=[1, 1, 4, 4], area=16)],
        ...         categories=[dict(id=7, name='dog')]), f)
        >>> dataset = StrictCocoDataset(  # doctest: +ELLIPSIS
        ...     ann_file=ann_file, metainfo=dict(classes=('cat', 'dog')),
        ...     pipeline=[])
        Traceback (most recent call last):
        ValueError: ...instances_val.json...cat...
    """

    COCOAPI = NameOrderedCOCO

    def load_data_list(self) -> List[dict]:
        """Check the annotation file, then load it as CocoDataset does, with
        labels numbered in the order of ``metainfo['classes']``.

        Returns:
            list[dict]: Annotation info of each image.
        """
        self._check_annotation_file()
        self._metainfo['ann_file'] = self.ann_file
        return super().load_data_list()

    def _fail(self, what: str) -> ValueError:
        return ValueError(f'{type(self).__name__}: annotation file '
                          f"'{self.ann_file}': {what}")

    def _check_annotation_file(self) -> None:
        path = self.ann_file
        if not path or not exists(path, backend_args=self.backend_args):
            raise FileNotFoundError(
                f'{type(self).__name__}: annotation file not found: '
                f"'{path}' (resolved from ann_file joined to data_root="
                f"'{self.data_root}'). {_GENERATE_HINT}")
        with get_local_path(path, backend_args=self.backend_args) as local:
            with open(local, 'rb') as f:
                raw = f.read()
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as e:
            raise self._fail(
                f'not valid JSON (corrupt or truncated?): {e.msg} at line '
                f'{e.lineno}, column {e.colno}. Expected a COCO-format JSON '
                'object; regenerate or re-download the file.') from e
        except UnicodeDecodeError as e:
            raise self._fail(f'not valid JSON: not UTF-8 text ({e}). '
                             'Expected a COCO-format JSON object.') from e
        if not isinstance(data, dict):
            raise self._fail(
                f'the top level is a JSON {type(data).__name__}; expected an '
                "object with the keys 'images', 'annotations' and "
                "'categories'.")
        for key in ('images', 'annotations', 'categories'):
            if key not in data:
                raise self._fail(
                    f"missing top-level key '{key}'; a COCO file needs "
                    "'images', 'annotations' and 'categories' (lists). Keys "
                    f'found: {sorted(data)}.')
            if not isinstance(data[key], list):
                raise self._fail(
                    f"top-level key '{key}' is a {type(data[key]).__name__}; "
                    'expected a list.')
        images, anns, cats = (data['images'], data['annotations'],
                              data['categories'])
        if not images:
            raise self._fail("has no images: the 'images' list is empty; "
                             'expected at least one image entry.')
        self._check_entries(cats, 'categories', 'category', ('id', 'name'))
        self._check_entries(images, 'images', 'image',
                            ('id', 'file_name', 'width', 'height'))
        self._check_entries(anns, 'annotations', 'annotation',
                            ('id', 'image_id', 'category_id', 'bbox', 'area'))
        cat_ids = {c['id'] for c in cats}
        img_ids = {im['id'] for im in images}
        for ann in anns:
            aid, iid, cid = ann['id'], ann['image_id'], ann['category_id']
            if cid not in cat_ids:
                raise self._fail(
                    f'annotation id {aid!r} (image id {iid!r}) has '
                    f'category_id {cid!r}, which is not among the file\'s '
                    f'categories; allowed category ids: {_short(cat_ids)}.')
            if iid not in img_ids:
                raise self._fail(
                    f'annotation id {aid!r} has image_id {iid!r}, which is '
                    "not the id of any entry of 'images' "
                    f'({len(img_ids)} images).')
            bbox = ann['bbox']
            if not (isinstance(bbox, list) and len(bbox) == 4
                    and all(_is_number(v) for v in bbox)):
                raise self._fail(
                    f'annotation id {aid!r} (image id {iid!r}) has bbox '
                    f'{bbox!r}; expected 4 finite numbers [x, y, w, h].')
            if bbox[2] < 0 or bbox[3] < 0:
                raise self._fail(
                    f'annotation id {aid!r} (image id {iid!r}) has bbox '
                    f'{bbox!r} with negative width or height; expected '
                    '[x, y, w, h] with w >= 0 and h >= 0.')
        try:
            category_ids_by_name(cats, self.metainfo.get('classes', ()))
        except ValueError as e:
            raise self._fail(
                f'{e} Set metainfo=dict(classes=...) to names from the '
                'file.') from None

    def _check_entries(self, entries: list, key: str, what: str,
                       required: Sequence[str]) -> None:
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise self._fail(
                    f"entry {index} of '{key}' is a "
                    f'{type(entry).__name__}; expected an object.')
            absent = [k for k in required if k not in entry]
            if absent:
                ident = (f' (id {entry["id"]!r})' if 'id' in entry else '')
                raise self._fail(
                    f"{what} entry {index} of '{key}'{ident} lacks "
                    f'{absent}; each {what} needs {list(required)}.')
