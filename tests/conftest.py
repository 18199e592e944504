"""Session fixtures shared by the test suite."""
from pathlib import Path

import pytest


@pytest.fixture(scope='session')
def tiny_custom27(tmp_path_factory) -> Path:
    """8 train and 4 val images of the synthetic 27-class dataset."""
    from mmdet_attn.datasets import generate_custom27
    root = tmp_path_factory.mktemp('custom27')
    generate_custom27(root, num_train=8, num_val=4, img_size=128, seed=0)
    return root
