"""Print the README's model-zoo table from the measurements' outputs.

Reads the cost table (``docs/zoo/benchmark_backbones.md``, written by
``tools/analysis_tools/benchmark_backbones.py``), the accuracy table
(``research/results/custom27_study.md``, written by
``research/custom27_study.py``) and, for each ``_custom27``
config, the visualiser's ``work_dirs/vis_attention/<config>/maps.json``
(``make vis``). Each row's picture is the spatial attention map with the
widest range of values, or the Grad-CAM when the backbone has no spatial
attention, written at half size to ``docs/zoo/vis/<config>.png``. When the
pretrained-regime study's report exists (``--pretrained-study``, the
``--out`` of ``research/pretrained_study.py``), a second table
gives each of its variants' bbox mAP and difference to its plain twin on
custom27 and trees. Paste the output over the tables under "## Model zoo"
in README.md.

Example:
    python research/zoo_table.py > /tmp/zoo_table.md
"""
import argparse
import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import cv2

LABELS = {
    'r18': 'ResNet-18',
    'attn_r18': 'ECA + Attention-Gate ResNet-18',
    'attn_r18_nonlocal': 'ECA + Attention-Gate ResNet-18 + non-local',
    'r50': 'ResNet-50',
    'se_r50': 'SE-ResNet-50',
    'eca_r50': 'ECA-ResNet-50',
    'cbam_r50': 'CBAM-ResNet-50',
    'sam_r50': 'SAM-ResNet-50',
    'ran56': 'Attention-56 (RAN)',
    'ran92': 'Attention-92 (RAN)',
    'cspmirrornet_fpn': 'CSPMirrorNet53 + FPN',
    'cspmirrornet_pafpn': 'CSPMirrorNet53 + PAFPN',
}

#: The pretrained-regime study's variants also include the gated ResNet-18
#: in its authors' layout and the second arm (attention pretrained with its
#: trunk, ``*_pretrained``).
STUDY_LABELS = dict(
    LABELS,
    attn_r18_original='ECA + Attention-Gate ResNet-18, original layout',
    attn_r18_pretrained='ECA + Attention-Gate ResNet-18',
    se_r50_pretrained='SE-ResNet-50',
    eca_r50_pretrained='ECA-ResNet-50',
    cbam_r50_pretrained='CBAM-ResNet-50')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--cost', default='docs/zoo/benchmark_backbones.md')
    parser.add_argument(
        '--study', default='research/results/custom27_study.md')
    parser.add_argument('--vis-dir', default='work_dirs/vis_attention')
    parser.add_argument('--pictures', default='docs/zoo/vis')
    parser.add_argument(
        '--pretrained-study',
        default='research/results/pretrained_study_results.md')
    return parser.parse_args()


def read_sections(path: str) -> Dict[str, Dict[str, Dict[str, str]]]:
    """The rows of the Markdown tables of ``path`` by first cell, grouped by
    the ``### <name>`` heading above them ('' before the first heading);
    each group's rows take the first header row of the group."""
    rows: Dict[str, Dict[str, str]] = {}
    sections = {'': rows}
    header: List[str] = []
    for line in Path(path).read_text().splitlines():
        if line.startswith('### '):
            rows, header = {}, []
            sections[line[4:].strip()] = rows
        elif line.startswith('|') and not line.startswith('|---'):
            cells = [c.strip() for c in line.strip().strip('|').split('|')]
            if not header:
                header = cells
            else:
                rows[cells[0]] = dict(zip(header, cells))
    return sections


def read_table(path: str) -> Dict[str, Dict[str, str]]:
    """The rows of the Markdown table of ``path`` above any ``###``
    heading, by first cell."""
    return read_sections(path)['']


def pretrained_cells(row: Optional[Dict[str, str]]) -> List[str]:
    """bbox mAP and the difference to the twin of one study row ('-' for a
    variant the study does not run on that dataset)."""
    if row is None:
        return ['-', '-']
    if row['Seeds'] == '0':
        return ['pending', '-']
    versus = '-'
    if row['Verdict'] == 'pending':
        versus = (f'{row["Δ mAP"]} (vs {row["Twin"]}, one seed: interval '
                  'pending)')
    elif row['Δ mAP']:
        versus = (f'{row["Δ mAP"]} {row["95 % interval of Δ"]} '
                  f'{row["Verdict"]} (vs {row["Twin"]})')
    return [row['bbox mAP (mean ± std)'], versus]


def pretrained_table(
    sections: Dict[str, Dict[str, Dict[str, str]]],
    datasets: Sequence[str] = ('custom27', 'trees')
) -> List[str]:
    """The pretrained-regime table: a row per variant of the study, with
    its arm (attention new, or pretrained with its trunk)."""
    variants = list(
        dict.fromkeys(v for d in datasets for v in sections.get(d, {})))
    lines = [
        '| Variant | Backbone | Arm | ' +
        ' | '.join(f'{d} bbox mAP | {d} Δ mAP [95 % interval] verdict'
                   for d in datasets) + ' |',
        '|---|---|---|' + '---:|---|' * len(datasets)
    ]
    for variant in variants:
        arm = next((sections[d][variant].get('Arm') or '-' for d in datasets
                    if variant in sections.get(d, {})))
        cells = [f'`{variant}`', STUDY_LABELS.get(variant, variant), arm]
        for dataset in datasets:
            cells += pretrained_cells(sections.get(dataset, {}).get(variant))
        lines.append('| ' + ' | '.join(cells) + ' |')
    return lines


def picture(vis_dir: Path, out: Path) -> str:
    """Write the row's thumbnail; its Markdown, or '-' without maps."""
    summary = vis_dir / 'maps.json'
    if not summary.exists():
        return '-'
    maps = json.loads(summary.read_text())['maps']
    spatial = [m for m in maps if m['kind'] == 'spatial']
    chosen = (
        max(spatial, key=lambda m: m['max'] - m['min']) if spatial else next(
            m for m in maps if m['kind'] == 'gradcam'))
    image = cv2.imread(str(vis_dir / chosen['file']))
    image = cv2.resize(
        image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out), image)
    what = ('Grad-CAM' if chosen['kind'] == 'gradcam' else
            chosen['name'].replace('backbone.', ''))
    return f'<img src="{out}" width="200" alt="{what}"><br>{what}'


def accuracy(row: Dict[str, str]) -> List[str]:
    """mAP, AP50, rare-class mAP and the difference to the baseline."""
    if row.get('Seeds', '0') == '0':
        return ['pending', '-', '-', '-']
    rare = next(k for k in row if k.startswith('mAP, rarest'))
    values = [row['bbox mAP'], row['AP50'], row[rare]]
    versus = row['vs baseline']
    if versus not in ('baseline', '-'):
        versus = f'{row["Δ mAP"]} ({versus})'
    if row['Seeds'] == '1':  # no spread: the mean alone, no verdict
        values = [v.replace(' ± 0.000', '') for v in values]
        versus = versus.replace(' (no spread from 1 seed)', '')
    return values + [versus]


def main() -> None:
    args = parse_args()
    cost = read_table(args.cost)
    study = read_table(args.study) if Path(args.study).exists() else {}
    print('| Config (COCO; `_custom27` twin) | Backbone | Params (M) | '
          'FLOPs (G) | CPU fwd+bwd / ref | Peak mem / ref | custom27 bbox '
          'mAP | AP50 | mAP, 9 rarest | vs its plain baseline | Picture |')
    print('|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|')
    for name, label in LABELS.items():
        config = f'faster_rcnn_{name}'
        c = cost[f'configs/{config}.py']
        acc = (
            accuracy(study[f'{config}_custom27'])
            if f'{config}_custom27' in study else ['-'] * 4)
        pic = picture(
            Path(args.vis_dir) / f'{config}_custom27',
            Path(args.pictures) / f'{config}.png')
        print(f'| `{config}.py` | {label} | {c["Params (M)"]} | '
              f'{c["FLOPs (G)"]} | {c["Fwd+bwd / ref"]} (vs '
              f'{c["Reference"].split(" (")[0]}) | {c["Peak / ref"]} | ' +
              ' | '.join(acc) + f' | {pic} |')
    if Path(args.pretrained_study).exists():
        print('\nPretrained regime '
              '(`research/results/pretrained_study.md`):\n')
        print('\n'.join(
            pretrained_table(read_sections(args.pretrained_study))))


if __name__ == '__main__':
    main()
