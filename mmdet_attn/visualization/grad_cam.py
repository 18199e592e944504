"""Grad-CAM (Selvaraju et al., ICCV 2017) of a two-stage detector's
top-scoring box: the gradient of the box head's class logit for that box,
taken at a chosen layer (``docs/visualization.md``)."""
import contextlib
from dataclasses import dataclass
from typing import Dict, Iterator, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.structures import SampleList
from torch import Tensor


@dataclass
class Detection:
    """One detected box.

    Attributes:
        box (Tensor): ``(x1, y1, x2, y2)`` in the resized image (the
            ``img_shape`` frame of the batch input).
        label (int): Class index.
        score (float): The detector's score for it.
    """

    box: Tensor
    label: int
    score: float


@dataclass
class GradCAM:
    """A Grad-CAM and what it explains.

    Attributes:
        cam (Tensor): ``h x w`` map on the target layer's grid, in [0, 1]
            (all zeros when no location has positive evidence).
        detection (Detection): The explained box.
        layer (str): Module path of the target layer.
        logit (float): The class logit the gradient was taken of.
    """

    cam: Tensor
    detection: Detection
    layer: str
    logit: float


def check_two_stage(model: nn.Module) -> None:
    """Raise a TypeError unless ``model`` has the RoI head Grad-CAM uses.

    Args:
        model (nn.Module): The detector.
    """
    extractor = getattr(
        getattr(model, 'roi_head', None), 'bbox_roi_extractor', None)
    if not isinstance(extractor, nn.Module) or isinstance(
            extractor, nn.ModuleList):
        raise TypeError(
            'Grad-CAM of the top box needs a two-stage detector with one '
            'roi_head holding a bbox_roi_extractor and a bbox_head (e.g. '
            f'Faster R-CNN); got {type(model).__name__}')


@contextlib.contextmanager
def _score_threshold(test_cfg: dict, score_thr: float) -> Iterator[None]:
    """Set ``test_cfg['score_thr']`` for the duration of the block."""
    before = test_cfg.get('score_thr')
    test_cfg['score_thr'] = score_thr
    try:
        yield
    finally:
        test_cfg['score_thr'] = before


def top_detection(model: nn.Module, inputs: Tensor,
                  data_samples: SampleList) -> Optional[Detection]:
    """The highest-scoring box of the first image, whatever its score.

    Runs ``model.predict`` without gradients and with the RoI head's score
    threshold at 0 (a briefly trained model may score nothing above the
    config's threshold).

    Args:
        model (nn.Module): A two-stage detector in eval mode.
        inputs (Tensor): Preprocessed batch input, ``N x 3 x H x W``.
        data_samples (list[DetDataSample]): Their data samples.

    Returns:
        Detection, optional: The top box in the resized image's frame, or
        None when the detector returns no box at all.
    """
    check_two_stage(model)
    with torch.no_grad(), _score_threshold(model.roi_head.test_cfg, 0.):
        results = model.predict(inputs, data_samples, rescale=False)
    instances = results[0].pred_instances
    if len(instances) == 0:
        return None
    top = int(instances.scores.argmax())
    return Detection(instances.bboxes[top].detach(),
                     int(instances.labels[top]), float(instances.scores[top]))


def box_class_logit(model: nn.Module, feats: tuple,
                    detection: Detection) -> Tensor:
    """The box head's logit of ``detection``'s class for its box.

    Args:
        model (nn.Module): A two-stage detector.
        feats (tuple[Tensor]): ``model.extract_feat`` of the batch; the box
            belongs to its first image.
        detection (Detection): Box and class.

    Returns:
        Tensor: A scalar, differentiable with respect to ``feats``.
    """
    roi_head = model.roi_head
    extractor = roi_head.bbox_roi_extractor
    box = detection.box.to(feats[0].device, feats[0].dtype)
    rois = torch.cat([box.new_zeros(1), box])[None]
    roi_feats = extractor(feats[:extractor.num_inputs], rois)
    if roi_head.with_shared_head:
        roi_feats = roi_head.shared_head(roi_feats)
    cls_score = roi_head.bbox_head(roi_feats)[0]
    return cls_score[0, detection.label]


def grad_cam(model: nn.Module,
             inputs: Tensor,
             detection: Detection,
             target_layer: str = 'backbone') -> GradCAM:
    """Grad-CAM of ``detection``'s class score at ``target_layer``.

    Args:
        model (nn.Module): A two-stage detector in eval mode.
        inputs (Tensor): Preprocessed batch input, ``1 x 3 x H x W``.
        detection (Detection): The box to explain (see
            :func:`top_detection`).
        target_layer (str): Module path whose output is ``A``; when the
            module returns several maps (a backbone's stages), the last one.
            Defaults to ``'backbone'``, i.e. the deepest backbone output.

    Returns:
        GradCAM: The normalised map on the layer's grid.
    """
    check_two_stage(model)
    modules: Dict[str, nn.Module] = dict(model.named_modules())
    if target_layer not in modules:
        raise KeyError(f'Grad-CAM target layer {target_layer!r} is not a '
                       f'module of {type(model).__name__} (module paths are '
                       'like backbone, backbone.layer4, neck)')
    captured: Dict[str, Tensor] = {}

    def keep_output(module: nn.Module, args: tuple, output) -> None:
        if isinstance(output, (tuple, list)):
            output = output[-1]
        captured['activation'] = output

    handle = modules[target_layer].register_forward_hook(keep_output)
    try:
        with torch.enable_grad():
            # A graph from the input on, so that gradients reach the target
            # even when the layers before it are frozen.
            feats = model.extract_feat(inputs.detach().requires_grad_(True))
            logit = box_class_logit(model, feats, detection)
            activation = captured.get('activation')
            if not isinstance(activation, Tensor) or activation.dim() != 4:
                raise ValueError(
                    f'Grad-CAM target layer {target_layer!r} must output an '
                    'N x C x H x W map (or a sequence ending with one) during '
                    'model.extract_feat')
            grads, = torch.autograd.grad(logit, activation)
    finally:
        handle.remove()
    weights = grads[0].mean(dim=(1, 2), keepdim=True)
    cam = F.relu((weights * activation[0].detach()).sum(dim=0))
    peak = cam.max()
    if peak > 0:
        cam = cam / peak
    return GradCAM(cam.cpu(), detection, target_layer, float(logit.detach()))
