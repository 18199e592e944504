"""Turn a training checkpoint into a release file, as MMDetection's
``publish_model.py`` does.

Usage, from the repository root::

    python tools/model_converters/publish_model.py IN.pth OUT.pth

Keeps ``meta`` and ``state_dict`` only (no optimizer, scheduler or message
hub), moves the weights to the CPU, turns numpy values in ``meta`` into
plain Python ones, and saves ``OUT-<first 8 hex digits of the sha256>.pth``.
The result loads with a plain ``torch.load(path, weights_only=True)``, with
no allow-list: the tool checks that before it prints the file name.
"""
import argparse
import os.path as osp
from collections import OrderedDict
from typing import Any, List, Optional

import numpy as np
import torch
from mmengine.runner import CheckpointLoader

import mmdet_attn  # noqa: F401  (allow-lists this package's checkpoints)
from mmdet_attn.models.weight_converters.common import save_sha256_named


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Keep meta and state_dict of a checkpoint and name the '
        'file by its sha256, for release')
    parser.add_argument('in_file', help='checkpoint written by training')
    parser.add_argument(
        'out_file',
        help='output name, e.g. faster_rcnn_attn_r18_custom27.pth; the '
        'sha256 prefix is added before .pth')
    args = parser.parse_args(argv)
    if not osp.isfile(args.in_file):
        parser.error(f'in_file {args.in_file!r} does not exist')
    if not args.out_file.endswith('.pth'):
        parser.error(f'out_file must end with .pth, got {args.out_file!r}')
    return args


def to_builtin(value: Any, key: str = 'meta') -> Any:
    """``value`` with numpy scalars and arrays turned into Python ones.

    Args:
        value: a value of a checkpoint's ``meta``.
        key (str): where it sits, for the error message.

    Returns:
        The same structure, of types ``torch.load(weights_only=True)``
        accepts without an allow-list.

    Raises:
        TypeError: for a value of any other type, naming its key.
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, torch.Tensor):
        return value.cpu()
    if isinstance(value, dict):
        return {k: to_builtin(v, f'{key}.{k}') for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [to_builtin(v, f'{key}[{i}]') for i, v in enumerate(value)]
        return type(value)(items)
    raise TypeError(f'{key} holds a {type(value).__qualname__}, which a '
                    f'weights-only load refuses; publish_model keeps only '
                    f'plain Python values, numpy values and tensors in meta')


def publish(in_file: str, out_file: str) -> str:
    """Write the release file of a checkpoint.

    Args:
        in_file (str): checkpoint written by training.
        out_file (str): output name ending in ``.pth``.

    Returns:
        str: the path written, ``<out_file stem>-<sha256[:8]>.pth``.

    Example:
        >>> publish('work_dirs/run/epoch_12.pth', 'attn_r18.pth')
        'attn_r18-1a2b3c4d.pth'
    """
    checkpoint = CheckpointLoader.load_checkpoint(in_file, map_location='cpu')
    if 'state_dict' not in checkpoint:
        raise SystemExit(f'{in_file} has no state_dict (keys: '
                         f'{sorted(checkpoint)}): not an MMEngine checkpoint')
    published = dict(
        meta=to_builtin(checkpoint.get('meta', {})),
        state_dict=OrderedDict(
            (k, v.cpu()) for k, v in checkpoint['state_dict'].items()))
    final_file = save_sha256_named(published, out_file)
    _check_loads_without_allow_list(final_file)
    return final_file


def _check_loads_without_allow_list(path: str) -> None:
    """Load ``path`` weights-only with the allow-list taken away."""
    allowed = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    try:
        torch.load(path, map_location='cpu', weights_only=True)
    finally:
        torch.serialization.add_safe_globals(allowed)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    final_file = publish(args.in_file, args.out_file)
    size_mib = osp.getsize(final_file) / 2**20
    print(f'{final_file} ({size_mib:.1f} MiB): meta and state_dict of '
          f'{args.in_file}; loads with torch.load(weights_only=True)')


if __name__ == '__main__':
    main()
