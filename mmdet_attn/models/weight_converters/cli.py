"""The command line the converters share (``tools/model_converters/
timm_resnet.py``, ``eca_net.py``, ``cbam_authors.py``,
``mmpretrain_seresnet.py``): convert ``SRC``, write the backbone
checkpoint named by its sha256, and say how to use it."""
import argparse
import os.path as osp
from types import ModuleType
from typing import List, Optional, Tuple

from .common import (Converted, format_cfg, is_url, read_checkpoint,
                     save_converted, unwrap_state_dict)
from .schemes import convert_source, resolve_source
from .timm_resnet import hub_tag

#: Suffixes left out of an output name taken from the source's.
_SUFFIXES = ('.safetensors', '.pth.tar', '.pth', '.tar', '.bin')


def parse_args(converter: ModuleType,
               argv: Optional[List[str]] = None,
               arch_option: bool = False) -> argparse.Namespace:
    """Arguments of a converter's command line.

    Args:
        converter (ModuleType): The converter module.
        argv (list[str], optional): Defaults to ``sys.argv[1:]``.
        arch_option (bool): Add ``--arch`` (timm). Defaults to False.

    Returns:
        argparse.Namespace: ``src``, ``out`` (and ``arch``).
    """
    parser = argparse.ArgumentParser(
        description=f'Convert {converter.FAMILY} checkpoint into '
        'AttentionResNet weights')
    src_help = 'source checkpoint: local file or http(s) URL'
    if arch_option:
        src_help += ', or a timm tag (seresnet152d.ra2_in1k)'
    parser.add_argument('src', help=src_help)
    parser.add_argument(
        'out',
        help='output .pth file, or directory; the first 8 hex digits of '
        'its sha256 are added before .pth')
    if arch_option:
        parser.add_argument(
            '--arch',
            help='timm model name of a local file or URL, checked to map '
            '(anti-aliased models have the keys of the plain ones)')
    return parser.parse_args(argv)


def output_file(src: str, out: str) -> str:
    """``out`` if it names a ``.pth`` file, else
    ``out/<source name>_attention_resnet.pth``.

    Example:
        >>> output_file('dl/eca_resnet50_k3557.pth.tar', 'checkpoints')
        'checkpoints/eca_resnet50_k3557_attention_resnet.pth'
    """
    if out.endswith('.pth'):
        return out
    name = (is_url(src) and hub_tag(src)) or osp.basename(src)
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            name = name[:-len(suffix)]
            break
    return osp.join(out, f'{name}_attention_resnet.pth')


def convert_src(converter: ModuleType, src: str) -> Converted:
    """Read and convert ``src`` (through the converter's scheme if it has
    one, so that a timm tag resolves to its hub file)."""
    scheme = getattr(converter, 'SCHEME', None)
    if scheme is not None:
        return convert_source(resolve_source(scheme + src))
    return converter.convert(unwrap_state_dict(read_checkpoint(src)))


def run(converter: ModuleType,
        argv: Optional[List[str]] = None,
        arch_option: bool = False) -> Tuple[str, str]:
    """Convert, write and describe, for a converter's ``main``.

    Args:
        converter (ModuleType): The converter module.
        argv (list[str], optional): Defaults to ``sys.argv[1:]``.
        arch_option (bool): Take ``--arch`` (timm). Defaults to False.

    Returns:
        tuple[str, str]: The file written and a report: tensors mapped,
        the backbone config, how to use it.

    Raises:
        SystemExit: The source cannot be read or does not convert; the
            message names it and the keys.
    """
    args = parse_args(converter, argv, arch_option)
    try:
        if getattr(args, 'arch', None):
            converter.check_arch(args.arch)
        weights, backbone_cfg = convert_src(converter, args.src)
        path = save_converted(weights, backbone_cfg,
                              output_file(args.src, args.out), args.src,
                              converter.__name__)
    except FileNotFoundError as error:  # names the file
        raise SystemExit(str(error)) from error
    except (OSError, ValueError) as error:
        raise SystemExit(f'{args.src}: {error}') from error
    lines = [
        f'{path}: {len(weights)} tensors of {args.src} mapped to '
        'AttentionResNet',
        f'backbone: {format_cfg(backbone_cfg)}',
        'use it: model = dict(backbone=' + format_cfg(
            dict(
                backbone_cfg,
                init_cfg=dict(type='Pretrained', checkpoint=path))) + ')',
    ]
    if getattr(converter, 'SCHEME', None):
        lines.append('or convert on load: init_cfg=dict(type=\'Pretrained\','
                     f' checkpoint=\'{converter.SCHEME}{args.src}\')')
    return path, '\n'.join(lines)
