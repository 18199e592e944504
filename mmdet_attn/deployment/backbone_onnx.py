"""Export a config's backbone to ONNX and check it against PyTorch.

Not imported by ``import mmdet_attn``: it needs ``onnx``, ``onnxscript``
and ``onnxruntime`` (``requirements-deploy.txt``).
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import onnx
import onnxruntime
import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

#: The oldest ONNX opset the export is made and tested with.
MIN_OPSET = 17


def build_backbone(config: str,
                   checkpoint: Optional[str] = None,
                   cfg_options: Optional[dict] = None) -> nn.Module:
    """The backbone of a detector config, in eval mode.

    Args:
        config (str): detector config; its ``custom_imports`` are done.
        checkpoint (str, optional): a detector checkpoint whose
            ``backbone.*`` weights are loaded; random weights without it.
        cfg_options (dict, optional): config overrides.

    Returns:
        nn.Module: the backbone.

    Example:
        >>> backbone = build_backbone('configs/faster_rcnn_attn_r18.py')
        >>> type(backbone).__name__, backbone.training
        ('GatedECAResNet', False)
    """
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    backbone = MODELS.build(cfg.model.backbone)
    if checkpoint is not None:
        load_checkpoint(
            backbone,
            checkpoint,
            map_location='cpu',
            revise_keys=[(r'^backbone\.', '')])
    # MMDetection's ResNet.train() returns None, so no chaining here.
    backbone.eval()
    return backbone


def _output_names(backbone: nn.Module, height: int, width: int) -> List[str]:
    with torch.no_grad():
        outputs = backbone(torch.zeros(1, 3, height, width))
    return [f'stage{i}' for i in range(len(outputs))]


def export_backbone_onnx(backbone: nn.Module,
                         path: str,
                         shape: Tuple[int, int] = (224, 224),
                         opset: int = MIN_OPSET) -> str:
    """Export ``backbone`` to one ONNX file with dynamic batch, H and W.

    Uses torch's TorchScript-based exporter (``dynamo=False``): on the
    backbones here it exports in seconds where the ``torch.export``-based
    one takes about ten times longer, with the same outputs.

    Args:
        backbone (nn.Module): a backbone in eval mode, returning a tuple of
            feature maps.
        path (str): the ``.onnx`` file to write.
        shape (tuple[int, int]): H and W of the example input traced.
        opset (int): ONNX opset, at least :data:`MIN_OPSET`.

    Returns:
        str: ``path``.

    Example:
        >>> import os.path as osp, tempfile
        >>> backbone = build_backbone(
        ...     'configs/faster_rcnn_attn_r18.py',
        ...     cfg_options={'model.backbone.base_channels': 8})
        >>> path = osp.join(tempfile.mkdtemp(), 'backbone.onnx')
        >>> export_backbone_onnx(backbone, path, (64, 64)) == path
        True
    """
    if opset < MIN_OPSET:
        raise ValueError(f'opset must be at least {MIN_OPSET}, got {opset}')
    height, width = shape
    names = _output_names(backbone, height, width)
    example = torch.rand(1, 3, height, width)
    dims = {0: 'batch', 2: 'height', 3: 'width'}
    torch.onnx.export(
        backbone, (example, ),
        path,
        input_names=['image'],
        output_names=names,
        opset_version=opset,
        dynamic_axes={
            'image': dims,
            **{n: {
                0: 'batch'
            }
               for n in names}
        },
        dynamo=False)
    model = onnx.load(path)
    onnx.checker.check_model(model)
    written = {o.domain: o.version for o in model.opset_import}.get('')
    if written != opset:
        raise RuntimeError(f'{path}: asked for opset {opset}, the exporter '
                           f'wrote {written}')
    return path


def compare_with_onnxruntime(
        backbone: nn.Module, path: str,
        shapes: Sequence[Tuple[int, int]]) -> List[Dict[str, float]]:
    """Run the exported file in onnxruntime and PyTorch on random images.

    Args:
        backbone (nn.Module): the backbone that was exported.
        path (str): its ``.onnx`` file.
        shapes (sequence of (H, W)): input sizes to compare at.

    Returns:
        list[dict]: per size and output, ``shape``, ``output``,
        ``max_abs_diff`` and ``max_abs`` (the largest PyTorch value).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'ONNX file {path!r} does not exist')
    session = onnxruntime.InferenceSession(
        path, providers=['CPUExecutionProvider'])
    generator = torch.Generator().manual_seed(0)
    rows = []
    for height, width in shapes:
        image = torch.rand(1, 3, height, width, generator=generator)
        with torch.no_grad():
            expected = [t.numpy() for t in backbone(image)]
        outputs = session.run(None, {'image': image.numpy()})
        if len(outputs) != len(expected):
            raise RuntimeError(f'{path}: onnxruntime gave {len(outputs)} '
                               f'outputs, PyTorch {len(expected)}')
        for index, (got, want) in enumerate(zip(outputs, expected)):
            if got.shape != want.shape:
                raise RuntimeError(
                    f'{path}: output {index} at {height}x{width} has shape '
                    f'{got.shape} in onnxruntime, {want.shape} in PyTorch')
            rows.append(
                dict(
                    shape=(height, width),
                    output=index,
                    max_abs_diff=float(np.abs(got - want).max()),
                    max_abs=float(np.abs(want).max())))
    return rows
