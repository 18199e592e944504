"""Where attention backbones look: attention maps and Grad-CAM as PNGs,
for ``tools/vis_attention.py``; imported by that tool, not by
``import mmdet_attn``."""
from .attention_maps import (CHANNEL, SPATIAL, AttentionMap, CapturedMap,
                             attention_gates, capture_attention_maps,
                             collect_attention_maps, grid_to_image,
                             split_attention_map)
from .grad_cam import (Detection, GradCAM, box_class_logit, check_two_stage,
                       grad_cam, top_detection)
from .plotting import plot_channel_weights, plot_grad_cam, plot_heatmap_overlay
from .report import prepare_image, write_attention_report

__all__ = [
    'CHANNEL', 'SPATIAL', 'AttentionMap', 'CapturedMap', 'Detection',
    'GradCAM', 'attention_gates', 'box_class_logit', 'capture_attention_maps',
    'check_two_stage', 'collect_attention_maps', 'grad_cam', 'grid_to_image',
    'plot_channel_weights', 'plot_grad_cam', 'plot_heatmap_overlay',
    'prepare_image', 'split_attention_map', 'top_detection',
    'write_attention_report'
]
