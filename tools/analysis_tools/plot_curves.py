"""Loss and metric curves of training runs, as one PNG.

Reads the ``vis_data/scalars.json`` that MMEngine's ``LocalVisBackend``
writes (or a work dir holding one) and draws one panel per ``--keys``
entry, one line per run: training keys (``loss``, ``loss_cls``, ``lr``...)
against the iteration, validation metrics (``coco/bbox_mAP``...) against
the epoch (the iteration for iteration-based training).

MMDetection's ``analyze_logs.py plot_curve`` does this with seaborn; it
adds a validation record without metrics (a validation that detected
nothing) to the training curves and then fails on the lengths, which is
what a short run gives, so this tool reads the records by kind instead.

Usage, from the repository root::

    python tools/analysis_tools/plot_curves.py \\
        work_dirs/faster_rcnn_attn_r18_custom27 [more runs] \\
        --keys loss loss_cls bbox_mAP [--legend a b] [--out curves.png]

A key matches a logged name exactly or as its last ``/`` part
(``bbox_mAP`` is ``coco/bbox_mAP``). Prints, per run and key, the number
of points and the last value, then the PNG's path.
"""
import argparse
import glob
import json
import os.path as osp
from typing import Dict, List, Optional, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

#: A curve: x values, y values and the x axis's name.
Curve = Tuple[List[float], List[float], str]


def find_scalars(path: str) -> str:
    """The ``scalars.json`` a path names: the file itself, or the newest
    ``<timestamp>/vis_data/scalars.json`` (or ``vis_data/scalars.json``)
    under a work dir.

    Args:
        path (str): a ``scalars.json`` file or a work dir.

    Returns:
        str: the file's path.

    Raises:
        FileNotFoundError: when there is none.
    """
    if osp.isfile(path):
        return path
    found = sorted(
        glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')) +
        glob.glob(osp.join(path, 'vis_data', 'scalars.json')))
    if not osp.isdir(path) or not found:
        raise FileNotFoundError(
            f'{path!r} is neither a scalars.json file nor a work dir with '
            '<timestamp>/vis_data/scalars.json (written by MMEngine\'s '
            'LocalVisBackend during training)')
    return found[-1]


def read_curves(scalars_json: str) -> Dict[str, Curve]:
    """Every logged scalar of a run as a curve.

    Training records (those with an ``iter`` entry) give curves against
    their ``step`` (the iteration); the other records are validations,
    whose ``step`` is the epoch, or the iteration when training counts
    iterations only. A validation's own timings are named ``val/time`` and
    ``val/data_time``.

    Args:
        scalars_json (str): MMEngine's ``scalars.json`` (one JSON object a
            line).

    Returns:
        dict: logged name -> (xs, ys, x axis name).

    Example:
        >>> curves = read_curves('work_dirs/run/20261201_225847/'
        ...                      'vis_data/scalars.json')
        >>> curves['loss'][2], curves['coco/bbox_mAP'][2]
        ('iter', 'epoch')
    """
    train, val = [], []
    with open(scalars_json) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f'{scalars_json}, line {number}: not JSON '
                                 f'({err}); is this MMEngine\'s '
                                 'scalars.json?') from None
            if 'step' not in record:
                raise ValueError(f'{scalars_json}, line {number}: no "step" '
                                 'entry; is this MMEngine\'s scalars.json?')
            (train if 'iter' in record else val).append(record)
    val_axis = 'epoch' if any('epoch' in r for r in train) else 'iter'
    curves: Dict[str, Curve] = {}
    for records, axis, prefix, skip in ((train, 'iter', '', ('step', 'iter',
                                                             'epoch')),
                                        (val, val_axis, 'val/', ('step', ))):
        for record in records:
            for name, value in record.items():
                if name in skip or not isinstance(value, (int, float)):
                    continue
                if '/' not in name:
                    name = prefix + name
                xs, ys, _ = curves.setdefault(name, ([], [], axis))
                xs.append(record['step'])
                ys.append(value)
    return curves


def match_key(key: str, names: List[str], source: str) -> str:
    """The logged name a ``--keys`` entry means.

    Args:
        key (str): ``loss``, ``coco/bbox_mAP``, ``bbox_mAP``...
        names (list[str]): the names logged in ``source``.
        source (str): the file, for the error message.

    Returns:
        str: the logged name.

    Raises:
        KeyError: when no name or more than one matches.
    """
    if key in names:
        return key
    matches = [name for name in names if name.split('/')[-1] == key]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise KeyError(f'{key!r} is ambiguous in {source}: {matches}; give '
                       'the full name')
    raise KeyError(f'{key!r} was not logged in {source}; logged: '
                   f'{sorted(names)} (a validation metric is missing when '
                   'the validation detected nothing or did not run)')


def plot_curves(runs: List[Tuple[str, Dict[str, Curve]]],
                keys: List[str],
                out: str,
                title: Optional[str] = None) -> None:
    """Draw one panel per key, one line per run, and save a PNG.

    Args:
        runs (list): (legend label, :func:`read_curves` result) per run.
        keys (list[str]): the names to draw (see :func:`match_key`).
        out (str): the PNG path.
        title (str, optional): the figure's title.
    """
    fig, axes = plt.subplots(
        len(keys), 1, figsize=(7, 2.8 * len(keys)), squeeze=False)
    for ax, key in zip(axes[:, 0], keys):
        for label, curves in runs:
            name = match_key(key, list(curves), label)
            xs, ys, axis = curves[name]
            ax.plot(xs, ys, marker='o' if len(xs) < 30 else None, label=label)
            ax.set_xlabel(axis)
            ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize='small')
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Plot loss and metric curves from MMEngine scalars.json')
    parser.add_argument(
        'runs',
        nargs='+',
        help='scalars.json files or work dirs holding '
        '<timestamp>/vis_data/scalars.json')
    parser.add_argument(
        '--keys',
        nargs='+',
        default=['loss', 'bbox_mAP'],
        help='logged names to plot, one panel each (default: loss '
        'bbox_mAP)')
    parser.add_argument(
        '--legend', nargs='+', help='one label per run (default: the paths)')
    parser.add_argument('--title', help='title of the figure')
    parser.add_argument(
        '--out',
        help='PNG to write (default: curves.png next to the first '
        'scalars.json)')
    args = parser.parse_args(argv)
    if args.legend is not None and len(args.legend) != len(args.runs):
        parser.error(f'--legend has {len(args.legend)} labels for '
                     f'{len(args.runs)} runs: give one per run')
    if args.out is not None and not args.out.lower().endswith('.png'):
        parser.error(f'--out must name a .png file, got {args.out!r}')
    return args


def main(argv: Optional[List[str]] = None) -> str:
    args = parse_args(argv)
    try:
        files = [find_scalars(run) for run in args.runs]
        labels = args.legend or files
        runs = [(label, read_curves(path))
                for label, path in zip(labels, files)]
        for (label, curves), path in zip(runs, files):
            for key in args.keys:
                name = match_key(key, list(curves), path)
                xs, ys, axis = curves[name]
                print(f'{label}: {name}: {len(xs)} points, last {ys[-1]:.4g} '
                      f'at {axis} {xs[-1]}')
    except (FileNotFoundError, ValueError, KeyError) as err:
        message = err.args[0] if isinstance(err, KeyError) else err
        raise SystemExit(f'plot_curves.py: {message}')
    out = args.out or osp.join(osp.dirname(files[0]), 'curves.png')
    plot_curves(runs, args.keys, out, args.title)
    print(f'saved {len(args.keys)} curves to {out}')
    return out


if __name__ == '__main__':
    main()
