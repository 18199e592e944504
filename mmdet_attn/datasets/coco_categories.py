"""Category ids of a COCO-format file looked up by class name."""
from collections import defaultdict
from typing import Dict, List, Sequence

__all__ = ['category_ids_by_name']


def category_ids_by_name(categories: Sequence[dict],
                         classes: Sequence[str]) -> List[int]:
    """The category id of each class, found by the category's name.

    Label ``i`` of a dataset is ``classes[i]``; this gives the id that the
    file uses for that name, whatever the order and values of its ids.

    Args:
        categories (Sequence[dict]): the ``categories`` list of a COCO-format
            file, each with ``id`` and ``name``.
        classes (Sequence[str]): class names, in label order.

    Returns:
        list[int]: at index ``i``, the id of the category named
        ``classes[i]``.

    Raises:
        ValueError: a class name that no category has, or that several
            categories have.

    Example:
        >>> cats = [dict(id=9, name='dog'), dict(id=2, name='cat')]
        >>> category_ids_by_name(cats, ['cat', 'dog'])
        [2, 9]
    """
    ids_of: Dict[str, List[int]] = defaultdict(list)
    for category in categories:
        ids_of[category['name']].append(category['id'])
    missing = [name for name in classes if name not in ids_of]
    if missing:
        raise ValueError(
            f'class names missing from the categories: {missing}. The file '
            f'has the category names {[c["name"] for c in categories]}.')
    shared = {name: ids_of[name] for name in classes if len(ids_of[name]) > 1}
    if shared:
        raise ValueError(
            'class names that several categories share, so a label could '
            f'not be told apart: {shared} (name: ids). Give each category '
            'of the file its own name.')
    return [ids_of[name][0] for name in classes]
