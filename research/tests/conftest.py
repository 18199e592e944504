"""The research scripts' tests: the scripts import each other by name
(``from seed_study import ...``), as they do when run as
``python research/<script>.py``, so ``research/`` goes on the path; the
product's test helpers (``tests/helpers``) are on it by ``setup.cfg``."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@pytest.fixture(scope='session')
def tiny_custom27(tmp_path_factory) -> Path:
    """8 train and 4 val images of the synthetic 27-class dataset."""
    from mmdet_attn.datasets.synthetic_custom27 import generate_custom27
    root = tmp_path_factory.mktemp('custom27')
    generate_custom27(root, num_train=8, num_val=4, img_size=128, seed=0)
    return root
