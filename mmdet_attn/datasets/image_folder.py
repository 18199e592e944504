"""Image classification data in the ImageNet folder layout, for
pretraining backbones: ``<data_root>/<split>/<class>/<image>``."""
import os
import os.path as osp
from typing import List

from mmdet.registry import DATASETS
from mmengine.dataset import BaseDataset

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')


@DATASETS.register_module()
class ImageFolderDataset(BaseDataset):
    """One class per sub-folder of ``data_root/data_prefix['img_path']``,
    as ImageNet's ``train/<wnid>/*.JPEG``; labels follow the sorted folder
    names, or the order of ``metainfo['classes']`` when given.

    Args:
        data_root (str): Root of the dataset.
        data_prefix (dict): ``dict(img_path='train/')``: the split folder
            below ``data_root``.
        metainfo (dict, optional): ``dict(classes=(...))`` to fix the class
            order (every class needs a folder). Defaults to the sorted
            folder names.
        **kwargs: Other ``BaseDataset`` arguments (``pipeline``,
            ``test_mode``, ``indices``, ...).

    Example:
        >>> import tempfile, cv2, numpy as np
        >>> root = tempfile.mkdtemp()
        >>> for name in ('cat', 'dog'):
        ...     os.makedirs(osp.join(root, 'train', name))
        ...     _ = cv2.imwrite(osp.join(root, 'train', name, '0.png'),
        ...                     np.zeros((4, 4, 3), np.uint8))
        >>> ds = ImageFolderDataset(root, data_prefix=dict(img_path='train'))
        >>> ds.metainfo['classes'], ds[1]['gt_label']
        (('cat', 'dog'), 1)
    """

    def __init__(self,
                 data_root: str,
                 data_prefix: dict = dict(img_path=''),
                 **kwargs) -> None:
        super().__init__(
            ann_file='',
            data_root=data_root,
            data_prefix=data_prefix,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """One ``dict(img_path, gt_label)`` per image file."""
        folder = self.data_prefix['img_path']
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'{type(self).__name__}: no folder {folder}; expected one '
                'sub-folder of images per class, e.g. '
                f'{osp.join(folder, "<class>", "<image>.jpg")}')
        found = sorted(d.name for d in os.scandir(folder) if d.is_dir())
        classes = tuple(self._metainfo.get('classes') or found)
        missing = sorted(set(classes) - set(found))
        if missing or not classes:
            raise FileNotFoundError(
                f'{type(self).__name__}: {folder} has no class folder for '
                f'{missing or "any class"}; found {found}')
        self._metainfo['classes'] = classes
        data_list = []
        for label, name in enumerate(classes):
            class_dir = osp.join(folder, name)
            for file in sorted(os.listdir(class_dir)):
                if file.lower().endswith(IMG_EXTENSIONS):
                    data_list.append(
                        dict(
                            img_path=osp.join(class_dir, file),
                            gt_label=label))
        if not data_list:
            raise FileNotFoundError(
                f'{type(self).__name__}: no image ({", ".join(IMG_EXTENSIONS)}'
                f') in the class folders of {folder}')
        return data_list
