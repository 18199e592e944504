"""Every attention map and the top box's Grad-CAM of one image, as PNGs
and ``maps.json`` (the files: ``docs/visualization.md``)."""
import copy
import json
import logging
import os
import os.path as osp
from typing import Any, Dict, List, Tuple

import mmcv
import numpy as np
import torch.nn as nn
from mmcv.transforms import Compose
from mmdet.structures import SampleList
from mmdet.utils import get_test_pipeline_cfg
from mmengine.logging import print_log
from torch import Tensor

from .attention_maps import (SPATIAL, AttentionMap, attention_gates,
                             capture_attention_maps, collect_attention_maps,
                             grid_to_image)
from .grad_cam import GradCAM, check_two_stage, grad_cam, top_detection
from .plotting import plot_channel_weights, plot_grad_cam, plot_heatmap_overlay


def prepare_image(model: nn.Module,
                  image: np.ndarray) -> Tuple[Tensor, SampleList]:
    """Run ``image`` through the model's test pipeline and preprocessor.

    The test pipeline of ``model.cfg`` is used with the image given as an
    array (``LoadImageFromFile`` becomes ``LoadImageFromNDArray``) and
    without ``LoadAnnotations``, so any image works, annotated or not.

    Args:
        model (nn.Module): A detector built by ``mmdet.apis.init_detector``
            (it sets ``model.cfg``).
        image (np.ndarray): ``H x W x 3`` BGR uint8 image.

    Returns:
        tuple[Tensor, list[DetDataSample]]: The ``1 x 3 x H x W`` batch
        input and its data sample, whose metainfo has ``ori_shape``,
        ``img_shape``, ``batch_input_shape`` and ``scale_factor``.
    """
    steps = []
    for step in copy.deepcopy(get_test_pipeline_cfg(model.cfg)):
        kind = step['type']
        kind = (kind if isinstance(kind, str) else kind.__name__)
        kind = kind.split('.')[-1]
        if kind == 'LoadAnnotations':
            continue
        if kind == 'LoadImageFromFile':
            step['type'] = 'mmdet.LoadImageFromNDArray'
        steps.append(step)
    data = Compose(steps)(dict(img=image, img_id=0))
    batch = model.data_preprocessor(
        dict(inputs=[data['inputs']], data_samples=[data['data_samples']]),
        False)
    return batch['inputs'], batch['data_samples']


def _entry(name: str, kind: str, file: str, values: np.ndarray,
           **extra: Any) -> Dict[str, Any]:
    """The ``maps.json`` record of one written map."""
    return dict(
        name=name,
        kind=kind,
        file=file,
        shape=list(values.shape),
        min=float(values.min()),
        max=float(values.max()),
        mean=float(values.mean()),
        **extra)


def _box_in_image(box: Tensor, meta: dict) -> List[float]:
    """``(x1, y1, x2, y2)`` from the resized input to original pixels."""
    scale_w, scale_h = meta['scale_factor']
    height, width = meta['ori_shape'][:2]
    scales = (scale_w, scale_h, scale_w, scale_h)
    limits = (width, height, width, height)
    return [
        round(min(max(v / s, 0.), limit), 2)
        for v, s, limit in zip(box.cpu().tolist(), scales, limits)
    ]


def _draw_attention_map(amap: AttentionMap, rgb: np.ndarray, meta: dict,
                        out_dir: str) -> Tuple[dict, np.ndarray]:
    """Write one attention map's PNG; return its record and values."""
    file = f'{amap.kind}_{amap.name}.png'
    grid = 'x'.join(str(s) for s in amap.kept_shape[-2:])
    how = f', {amap.note}' if amap.note else ''
    if amap.kind == SPATIAL:
        values = grid_to_image(amap.data, meta['batch_input_shape'],
                               meta['img_shape'], meta['ori_shape'])
        plot_heatmap_overlay(
            rgb,
            values,
            osp.join(out_dir, file),
            title=f'{amap.name} ({amap.layer_type}): spatial attention '
            f'({grid} grid{how})')
    else:
        values = amap.data.numpy()
        plot_channel_weights(
            values,
            osp.join(out_dir, file),
            title=f'{amap.name} ({amap.layer_type}): channel attention')
    return _entry(
        amap.name,
        amap.kind,
        file,
        values,
        layer_type=amap.layer_type,
        kept_shape=list(amap.kept_shape),
        note=amap.note), values


def _class_name(model: nn.Module, label: int) -> str:
    """Name of class ``label`` from ``model.dataset_meta``, if it has it."""
    classes = (getattr(model, 'dataset_meta', None) or {}).get('classes')
    return classes[label] if classes else f'class {label}'


def _no_attention_note(model: nn.Module) -> str:
    """Why no attention map is drawn for ``model``."""
    return (f'{type(model.backbone).__name__} has no attention gate of '
            'mmdet_attn: no attention maps, Grad-CAM only')


def _draw_grad_cam(cam: GradCAM, class_name: str, rgb: np.ndarray, meta: dict,
                   out_dir: str) -> Tuple[dict, np.ndarray]:
    """Write the Grad-CAM's PNG; return its record and values."""
    values = grid_to_image(cam.cam, meta['batch_input_shape'],
                           meta['img_shape'], meta['ori_shape'])
    detection = cam.detection
    box = _box_in_image(detection.box, meta)
    grid = 'x'.join(str(s) for s in cam.cam.shape)
    file = 'gradcam.png'
    plot_grad_cam(
        rgb,
        values,
        box,
        f'{class_name} {detection.score:.2f}',
        osp.join(out_dir, file),
        title=f'Grad-CAM of the top box, {class_name} (score '
        f'{detection.score:.3f}, logit {cam.logit:.2f})\nat {cam.layer} '
        f'({grid} grid)')
    return _entry(
        'gradcam',
        'gradcam',
        file,
        values,
        layer=cam.layer,
        grid_shape=list(cam.cam.shape),
        box=box,
        label=detection.label,
        class_name=class_name,
        score=detection.score,
        logit=cam.logit), values


def write_attention_report(model: nn.Module,
                           image: np.ndarray,
                           out_dir: str,
                           target_layer: str = 'backbone',
                           save_arrays: bool = False) -> Dict[str, Any]:
    """Draw every attention map and the top box's Grad-CAM of ``image``.

    The files written: ``docs/visualization.md``. A model without
    attention layers of this package gets the Grad-CAM only; a model that
    returns no box at all (even with the score threshold at 0) gets the
    attention maps only. Both cases, and a Grad-CAM that is zero
    everywhere, are logged and listed in ``notes``.

    Args:
        model (nn.Module): A two-stage detector built by
            ``mmdet.apis.init_detector``; it is put in eval mode.
        image (np.ndarray): ``H x W x 3`` BGR uint8 image.
        out_dir (str): Folder for the files; created if missing.
        target_layer (str): Module path whose output the Grad-CAM uses; by
            default the deepest backbone output. See :func:`grad_cam`.
        save_arrays (bool): Also write ``maps.npz``. Defaults to False.

    Returns:
        dict: The content of ``maps.json``.
    """
    check_two_stage(model)
    model.eval()
    inputs, data_samples = prepare_image(model, image)
    meta = data_samples[0].metainfo
    rgb = mmcv.bgr2rgb(image)
    os.makedirs(out_dir, exist_ok=True)

    layers = [owner for owner, _, _ in attention_gates(model)]
    with capture_attention_maps(model) as captured:
        detection = top_detection(model, inputs, data_samples)
    maps = collect_attention_maps(captured)

    records: List[Dict[str, Any]] = []
    arrays: Dict[str, np.ndarray] = {}
    notes: List[str] = []
    for amap in maps:
        record, values = _draw_attention_map(amap, rgb, meta, out_dir)
        records.append(record)
        arrays[osp.splitext(record['file'])[0]] = values
    if not layers:
        notes.append(_no_attention_note(model))
    top_box = None
    if detection is None:
        notes.append('the detector returned no box for this image, even '
                     'with the score threshold at 0: no Grad-CAM')
    else:
        top_box = dict(
            box=_box_in_image(detection.box, meta),
            label=detection.label,
            class_name=_class_name(model, detection.label),
            score=detection.score)
        cam = grad_cam(model, inputs, detection, target_layer)
        if not cam.cam.any():
            notes.append(
                f'the Grad-CAM of {top_box["class_name"]!r} at '
                f'{target_layer!r} is zero everywhere: no location of that '
                'layer has positive evidence for the box (common for a '
                'briefly trained model); an earlier layer (--cam-layer, e.g. '
                'backbone.layer3) may show some')
        record, values = _draw_grad_cam(cam, top_box['class_name'], rgb, meta,
                                        out_dir)
        records.append(record)
        arrays['gradcam'] = values
    for note in notes:
        print_log(note, logger='current', level=logging.WARNING)

    summary = dict(
        image_shape=list(meta['ori_shape'][:2]),
        input_shape=list(meta['img_shape'][:2]),
        attention_layers=layers,
        detection=top_box,
        maps=records,
        notes=notes)
    with open(osp.join(out_dir, 'maps.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    if save_arrays:
        np.savez_compressed(osp.join(out_dir, 'maps.npz'), **arrays)
    return summary
