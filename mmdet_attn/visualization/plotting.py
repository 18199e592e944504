"""PNG figures of attention maps, channel weights and Grad-CAMs, drawn with
matplotlib's object API (no pyplot state, any backend)."""
from typing import Optional, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

HEATMAP_CMAP = 'jet'
HEATMAP_ALPHA = 0.45


def _figure(width: float, height: float) -> Figure:
    """A new figure of ``width x height`` inches."""
    return Figure(figsize=(width, height), layout='constrained')


def _image_figure(image: np.ndarray) -> Figure:
    """A figure sized for ``image`` plus a colour bar, about 6 in wide."""
    height, width = image.shape[:2]
    fig_width = 6.
    return _figure(fig_width, max(fig_width * 0.85 * height / width, 2.5))


def _stats(values: np.ndarray) -> str:
    """``mean m, range [a, b]`` of ``values``."""
    return (f'mean {values.mean():.3f}, range [{values.min():.3f}, '
            f'{values.max():.3f}]')


def _overlay(image: np.ndarray, heatmap: np.ndarray, vmin: Optional[float],
             vmax: Optional[float], colorbar_label: str) -> tuple:
    """A figure of ``image`` with ``heatmap`` over it and a colour bar;
    returns ``(figure, axes)``."""
    if heatmap.shape != image.shape[:2]:
        raise ValueError(f'heatmap shape {heatmap.shape} differs from the '
                         f'image size {image.shape[:2]}')
    fig = _image_figure(image)
    ax = fig.subplots()
    ax.imshow(image)
    shown = ax.imshow(
        heatmap, cmap=HEATMAP_CMAP, alpha=HEATMAP_ALPHA, vmin=vmin, vmax=vmax)
    fig.colorbar(shown, ax=ax, label=colorbar_label, shrink=0.9)
    return fig, ax


def plot_heatmap_overlay(image: np.ndarray,
                         heatmap: np.ndarray,
                         out_file: str,
                         title: str,
                         vmin: Optional[float] = None,
                         vmax: Optional[float] = None,
                         colorbar_label: str = 'attention') -> None:
    """Save ``image`` with ``heatmap`` over it in a jet colour map.

    The colour scale spans ``[vmin, vmax]`` (default: the map's own range,
    so that a gate varying between 0.45 and 0.55 still shows where it is
    higher); the colour bar gives the real values.

    Args:
        image (np.ndarray): ``H x W x 3`` RGB uint8 image.
        heatmap (np.ndarray): ``H x W`` map of the same size.
        out_file (str): PNG path to write.
        title (str): Figure title; the map's mean and range are added.
        vmin (float, optional): Value drawn in the lowest colour.
        vmax (float, optional): Value drawn in the highest colour.
        colorbar_label (str): Label of the colour bar.
    """
    fig, ax = _overlay(image, heatmap, vmin, vmax, colorbar_label)
    ax.set_title(f'{title}\n{_stats(heatmap)}', fontsize=9)
    ax.set_axis_off()
    fig.savefig(out_file, dpi=100)


def plot_channel_weights(weights: np.ndarray, out_file: str,
                         title: str) -> None:
    """Save a plot of one layer's channel-attention weights.

    Top: the weight of every channel, in channel order, with the mean as a
    dashed line. Bottom: their histogram (how selective the layer is: a
    narrow peak means nearly equal weights).

    Args:
        weights (np.ndarray): ``C`` weights.
        out_file (str): PNG path to write.
        title (str): Figure title; the weights' mean and range are added.
    """
    channels = np.arange(len(weights))
    fig = _figure(8., 4.5)
    by_channel, histogram = fig.subplots(2, 1, height_ratios=(3, 2))
    by_channel.fill_between(channels, weights, step='mid', alpha=0.35)
    by_channel.plot(channels, weights, drawstyle='steps-mid', linewidth=0.8)
    by_channel.axhline(
        weights.mean(), color='k', linestyle='--', linewidth=0.8, label='mean')
    by_channel.set_xlim(-0.5, len(weights) - 0.5)
    by_channel.set_ylim(
        min(0., float(weights.min())),
        max(1., float(weights.max())) * 1.02)
    by_channel.set_xlabel('channel')
    by_channel.set_ylabel('weight')
    by_channel.legend(loc='upper right', fontsize=8)
    # In float64 over a range of at least 1e-6: nearly equal float32
    # weights (a layer still at its identity start) leave too narrow a range
    # for finite-sized bins.
    low, high = float(weights.min()), float(weights.max())
    pad = max(1e-6 - (high - low), 0.) / 2
    histogram.hist(
        weights.astype(np.float64),
        bins=min(50, max(len(weights) // 4, 5)),
        range=(low - pad, high + pad))
    histogram.set_xlabel('weight')
    histogram.set_ylabel('channels')
    fig.suptitle(
        f'{title}\n{len(weights)} channels, {_stats(weights)}', fontsize=9)
    fig.savefig(out_file, dpi=100)


def plot_grad_cam(image: np.ndarray, cam: np.ndarray, box: Sequence[float],
                  caption: str, out_file: str, title: str) -> None:
    """Save a Grad-CAM over ``image`` with the explained box drawn.

    Args:
        image (np.ndarray): ``H x W x 3`` RGB uint8 image.
        cam (np.ndarray): ``H x W`` Grad-CAM in [0, 1].
        box (Sequence[float]): ``(x1, y1, x2, y2)`` in image pixels.
        caption (str): Text drawn above the box, e.g. ``'circle_dot 0.93'``.
        out_file (str): PNG path to write.
        title (str): Figure title.
    """
    fig, ax = _overlay(image, cam, 0., 1., 'Grad-CAM (normalised)')
    x1, y1, x2, y2 = (float(v) for v in box)
    ax.add_patch(
        Rectangle((x1, y1),
                  x2 - x1,
                  y2 - y1,
                  fill=False,
                  edgecolor='white',
                  linewidth=2))
    ax.text(
        x1,
        y1,
        caption,
        color='black',
        fontsize=9,
        verticalalignment='bottom',
        bbox=dict(facecolor='white', alpha=0.8, pad=1, edgecolor='none'))
    ax.set_title(title, fontsize=9)
    ax.set_axis_off()
    fig.savefig(out_file, dpi=100)
