"""A stand-in for the deepforest wheel: small images with VOC boxes under
the real names, for tools/dataset_converters/deepforest_trees.py."""
import zipfile
from pathlib import Path

import cv2
import numpy as np

# name: (height, width, boxes as (xmin, ymin, xmax, ymax))
IMAGES = {
    '2019_YELL_2_528000_4978000_image_crop2': (100, 150, [(10, 10, 30, 30),
                                                          (55, 20, 75, 40),
                                                          (120, 70, 140, 95)]),
    'OSBS_029': (64, 64, [(5, 5, 25, 25)]),
    '2019_YELL_2_541000_4977000_image_crop': (80, 80, [(40, 40, 60, 60)]),
    'SOAP_061': (64, 64, [(1, 1, 20, 20)]),
}


def voc(boxes) -> str:
    """A Pascal VOC annotation with ``boxes``."""
    objects = ''.join('<object><name>Tree</name><bndbox>'
                      f'<xmin>{x0}</xmin><ymin>{y0}</ymin><xmax>{x1}</xmax>'
                      f'<ymax>{y1}</ymax></bndbox></object>'
                      for x0, y0, x1, y1 in boxes)
    return f'<annotation>{objects}</annotation>'


def write_wheel(folder: Path) -> Path:
    """Write the stand-in wheel into ``folder``; return its path. Each box
    is a bright square on random dark noise, so a detector can learn it."""
    path = folder / 'deepforest-2.1.0-py3-none-any.whl'
    rng = np.random.default_rng(0)
    with zipfile.ZipFile(path, 'w') as z:
        for name, (h, w, boxes) in IMAGES.items():
            pixels = rng.integers(0, 100, (h, w, 3), dtype=np.uint8)
            for x0, y0, x1, y1 in boxes:
                pixels[y0:y1, x0:x1] = 220
            z.writestr(f'deepforest/data/{name}.png',
                       cv2.imencode('.png', pixels)[1].tobytes())
            z.writestr(f'deepforest/data/{name}.xml', voc(boxes))
    return path
