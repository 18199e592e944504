"""What the weight converters share: reading a source checkpoint (a file,
or a URL cached in torch's hub directory), renaming its keys by rules,
inferring the ``AttentionResNet`` config the weights fill, checking that
they fill it exactly, and writing the converted checkpoint named by its
sha256."""
import hashlib
import os
import os.path as osp
import pickle
import re
from collections import OrderedDict
from typing import (Any, Callable, Dict, List, Mapping, Optional, Sequence,
                    Tuple)
from urllib.parse import urlparse

import torch
from mmdet.models.backbones.resnet import ResNet
from mmdet.registry import MODELS
from mmengine.dist import get_dist_info
from mmengine.logging import MMLogger
from torch import Tensor

#: A rename rule: a regular expression matched at the start of a source key
#: and its replacement (``re`` template; the rest of the key is kept), or
#: None to drop the key (a classifier head).
Rule = Tuple[str, Optional[str]]
#: Weights by key (an ``OrderedDict``).
Weights = Dict[str, Tensor]
#: Converted weights and the ``AttentionResNet`` config they fill.
Converted = Tuple[Weights, dict]
#: Changes renamed weights in place.
Transform = Callable[[Dict[str, Tensor]], None]

#: Keys a training checkpoint keeps its weights under, in order of choice.
CONTAINER_KEYS = ('state_dict', 'model', 'state_dict_ema', 'model_ema')
#: One residual block of a torchvision-style ResNet (``layer3.5.``).
BLOCK = r'^(layer[1-4]\.\d+)\.'
#: Classifier heads, dropped.
HEAD_RULES: List[Rule] = [(r'^(fc|last_linear)\.(weight|bias)$', None)]
#: Residual blocks of a torchvision-style ResNet: MMDetection's ResNet has
#: the same names (``convN``, ``bnN``, ``downsample.*``).
BLOCK_RULES: List[Rule] = [
    (BLOCK + r'(conv[1-3]\.weight$|bn[1-3]\.|downsample\.[0-2]\.)', r'\1.\2')
]
#: Stems of a torchvision-style ResNet: the 7x7 conv (same names), or
#: (``deep``) timm's three 3x3 convs ``conv1.0/1/3/4/6`` with ``bn1``
#: -> MMDetection's ``stem.0/1/3/4/6/7``.
STEM_RULES: Dict[bool, List[Rule]] = {
    False: [(r'^(conv1\.weight$|bn1\.)', r'\1')],
    True: [(r'^conv1\.([0-6])\.', r'stem.\1.'), (r'^bn1\.', 'stem.7.')],
}
#: Path of a file on the Hugging Face hub: owner, repository, file.
_HUB_PATH = re.compile(r'^/([^/]+)/([^/]+)/resolve/[^/]+/(.+)$')
#: The most keys a message lists.
_LISTED = 8


def is_url(source: str) -> bool:
    """Whether ``source`` is an http(s) URL rather than a local path."""
    return source.startswith(('http://', 'https://'))


def hub_cache_path(url: str) -> str:
    """Where MMEngine (through ``torch.hub``) keeps a downloaded ``url``:
    ``<hub dir>/checkpoints/<file name>``."""
    return osp.join(torch.hub.get_dir(), 'checkpoints',
                    osp.basename(urlparse(url).path))


def source_cache_path(url: str) -> str:
    """Where a source checkpoint ``url`` is cached: as
    :func:`hub_cache_path`, but a Hugging Face hub file, whose name
    (``model.safetensors``) every repository shares, is named
    ``<owner>--<repository>--<file>``.

    Example:
        >>> osp.basename(source_cache_path('https://huggingface.co/timm/'
        ...     'resnet50d.ra2_in1k/resolve/main/model.safetensors'))
        'timm--resnet50d.ra2_in1k--model.safetensors'
    """
    parsed = urlparse(url)
    match = _HUB_PATH.match(parsed.path)
    if parsed.netloc != 'huggingface.co' or match is None:
        return hub_cache_path(url)
    name = '--'.join(match.groups()).replace('/', '--')
    return osp.join(torch.hub.get_dir(), 'checkpoints', name)


def download(url: str, path: str) -> None:
    """Download ``url`` to ``path`` unless it is there (written through a
    temporary file, so an interrupted download leaves nothing)."""
    if osp.isfile(path):
        return
    MMLogger.get_current_instance().info(f'downloading {url} to {path}')
    os.makedirs(osp.dirname(path), exist_ok=True)
    torch.hub.download_url_to_file(url, path, progress=False)


def fetch(url: str) -> str:
    """The local copy of ``url`` in the hub cache, downloaded once (by rank
    0 first in a distributed run, as MMEngine does).

    Args:
        url (str): http(s) URL of a checkpoint.

    Returns:
        str: Its path in the cache (:func:`source_cache_path`).
    """
    path = source_cache_path(url)
    rank, world_size = get_dist_info()
    if rank == 0:
        download(url, path)
    if world_size > 1:
        torch.distributed.barrier()
        download(url, path)  # a node that does not share rank 0's disk
    return path


def read_checkpoint(source: str) -> Any:
    """Read a checkpoint file, or the file at a URL (cached by
    :func:`fetch`).

    ``.safetensors`` files are read with ``safetensors``, every other file
    with ``torch.load(weights_only=True)``: tensors and plain Python
    containers and numbers load, pickled objects are refused.

    Args:
        source (str): Local path or http(s) URL.

    Returns:
        The checkpoint, tensors on the CPU.

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: The file holds pickled objects besides tensors.
    """
    path = fetch(source) if is_url(source) else osp.expanduser(source)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    if path.endswith('.safetensors'):
        from safetensors.torch import load_file
        return load_file(path)
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as error:
        extras = torch.serialization.get_unsafe_globals_in_checkpoint(path)
        raise ValueError(
            f'the file holds pickled objects besides the weights ({extras}) '
            'that weights-only loading refuses: a training checkpoint with '
            'the optimizer state or the run\'s arguments? If you trust those '
            'types, keep only the weights once: load it inside '
            '`with torch.serialization.safe_globals([...])` listing them, '
            "save its ['state_dict'] and convert that file") from error


def _is_state_dict(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value) and all(
        isinstance(v, Tensor) for v in value.values())


def unwrap_state_dict(checkpoint: Any) -> Weights:
    """The weights of a checkpoint: out of its containers (``state_dict``,
    ``model``, ``state_dict_ema``, ``model_ema``, in that order of choice),
    without the ``module.`` prefix of ``DataParallel``.

    Args:
        checkpoint: What :func:`read_checkpoint` returned.

    Returns:
        OrderedDict[str, Tensor]: Key to tensor.

    Raises:
        ValueError: No state dict found; the message lists the keys seen.
    """
    state = checkpoint
    while isinstance(state, Mapping) and not _is_state_dict(state):
        found = [k for k in CONTAINER_KEYS if k in state]
        if not found:
            raise ValueError(
                'no weights found: expected a state dict (key -> tensor), '
                f'or one under {list(CONTAINER_KEYS)}; top-level keys: '
                f'{_key_list(map(str, state))}')
        if len(found) > 1:
            MMLogger.get_current_instance().info(
                f'taking the weights under {found[0]!r} (also present: '
                f'{found[1:]})')
        state = state[found[0]]
    if not _is_state_dict(state):
        raise ValueError(f'no weights found: got a {type(state).__name__}')
    if all(k.startswith('module.') for k in state):
        return OrderedDict((k[len('module.'):], v) for k, v in state.items())
    return OrderedDict(state)


def resnet_rules(state_dict: Mapping[str, Tensor]) -> List[Rule]:
    """Rules that rename a torchvision-style ResNet (its head dropped) to
    MMDetection's ``ResNet``; the stem is deep if ``conv1.0.weight`` is
    there."""
    deep_stem = 'conv1.0.weight' in state_dict
    return HEAD_RULES + STEM_RULES[deep_stem] + BLOCK_RULES


def rename_keys(
        state_dict: Mapping[str, Tensor],
        rules: Sequence[Rule]) -> Tuple[Weights, Dict[str, str], List[str]]:
    """Rename the keys of ``state_dict`` by the first rule that matches each.

    Args:
        state_dict (Mapping[str, Tensor]): Source weights.
        rules (Sequence[Rule]): ``(pattern, replacement)`` pairs.

    Returns:
        tuple: The renamed weights, the source key of each renamed key,
        and the source keys no rule matched.
    """
    compiled = [(re.compile(pattern), repl) for pattern, repl in rules]
    renamed, origin, unmatched = OrderedDict(), {}, []
    for key, value in state_dict.items():
        for pattern, repl in compiled:
            match = pattern.match(key)
            if match is None:
                continue
            if repl is not None:
                new_key = match.expand(repl) + key[match.end():]
                renamed[new_key], origin[new_key] = value, key
            break
        else:
            unmatched.append(key)
    return renamed, origin, unmatched


def _key_list(keys, limit: int = _LISTED) -> str:
    """``keys`` as ``a, b, c`` (the first ``limit``, then how many more)."""
    keys = list(keys)
    listed = ', '.join(keys[:limit])
    return listed + (f' and {len(keys) - limit} more'
                     if len(keys) > limit else '')


def format_cfg(value: Any) -> str:
    """A config value as config-file text (``dict(type='SE', ratio=16)``).

    Example:
        >>> format_cfg(dict(type='ECA', kernel_size=5, norm=None))
        "dict(type='ECA', kernel_size=5, norm=None)"
    """
    if isinstance(value, Mapping):
        items = ', '.join(f'{k}={format_cfg(v)}' for k, v in value.items())
        return f'dict({items})'
    if isinstance(value, (list, tuple)):
        items = ', '.join(format_cfg(v) for v in value)
        return f'[{items}]' if isinstance(value, list) else f'({items})'
    return repr(value)


def _num_blocks(weights: Mapping[str, Tensor], stage: int) -> int:
    indices = {
        int(k.split('.')[1])
        for k in weights if k.startswith(f'layer{stage}.')
    }
    if indices != set(range(len(indices))):
        raise ValueError(f'layer{stage} has blocks {sorted(indices)}, not '
                         f'0 to {len(indices) - 1}')
    return len(indices)


def _depth(weights: Mapping[str, Tensor]) -> int:
    """The ResNet depth of the block type and counts in ``weights``."""
    expansion = 4 if 'layer1.0.conv3.weight' in weights else 1
    blocks = tuple(_num_blocks(weights, stage) for stage in range(1, 5))
    for depth, (block, counts) in ResNet.arch_settings.items():
        if block.expansion == expansion and counts == blocks:
            return depth
    known = ', '.join(f'{d}: {c}'
                      for d, (_, c) in ResNet.arch_settings.items())
    kind = 'Bottleneck' if expansion == 4 else 'BasicBlock'
    raise ValueError(f'{kind} counts {blocks} per stage are no ResNet depth '
                     f'AttentionResNet has ({known})')


def _check_trunk(weights: Mapping[str, Tensor]) -> None:
    """Refuse what MMDetection's ResNet cannot express, clearly: grouped
    3x3 convs, norms without running statistics."""
    conv2 = weights.get('layer1.0.conv2.weight')
    if conv2 is not None and conv2.shape[0] != conv2.shape[1]:
        raise ValueError(
            f'layer1.0.conv2.weight has shape {tuple(conv2.shape)}: a '
            'grouped 3x3 conv (ResNeXt), which MMDetection\'s ResNet has no '
            'argument for')
    if ('layer1.0.bn1.weight' in weights
            and 'layer1.0.bn1.running_var' not in weights):
        raise ValueError('layer1.0.bn1 has no running statistics: '
                         'GroupNorm or another norm than BatchNorm, which '
                         'this converter does not map')


def _stem_args(weights: Mapping[str, Tensor]) -> dict:
    """``deep_stem`` and ``stem_channels`` (where not the default 64)."""
    convs = [weights.get(f'stem.{i}.weight') for i in (0, 3, 6)]
    if convs[0] is None:
        conv1 = weights.get('conv1.weight')
        channels = 64 if conv1 is None else conv1.shape[0]
        return {} if channels == 64 else dict(stem_channels=channels)
    if any(conv is None for conv in convs):
        return dict(deep_stem=True)  # match_backbone names what is missing
    widths = tuple(conv.shape[0] for conv in convs)
    channels = widths[-1]
    if widths != (channels // 2, channels // 2, channels):
        raise ValueError(
            f'the deep stem has widths {widths}; AttentionResNet\'s (that is '
            'MMDetection\'s) deep stem has C/2, C/2, C (a tiered stem does '
            'not map)')
    args = dict(deep_stem=True)
    if channels != 64:
        args['stem_channels'] = channels
    return args


def _ratio(weight: Tensor, key: str) -> int:
    """The reduction ratio ``r`` of a ``hidden x C`` weight, hidden = C / r.
    """
    hidden, channels = weight.shape[:2]
    if channels % hidden:
        raise ValueError(f'{key}: the hidden width {hidden} of {channels} '
                         'channels is not C / r for a whole r')
    return channels // hidden


def block_attention(weights: Mapping[str, Tensor],
                    block: str) -> Optional[dict]:
    """The config of the attention layer of one block (``layer2.0``) from
    its converted weights: ``ECA``, ``SE``, ``CBAM`` or None."""
    eca = weights.get(f'{block}.eca.conv.weight')
    if eca is not None:
        return dict(type='ECA', kernel_size=eca.shape[-1])
    key = f'{block}.se_layer.conv1.conv.weight'
    if key in weights:
        return dict(type='SE', ratio=_ratio(weights[key], key))
    key = f'{block}.cbam.channel_gate.mlp.0.weight'
    if key not in weights:
        return None
    cfg = dict(type='CBAM', ratio=_ratio(weights[key], key))
    spatial = weights.get(f'{block}.cbam.spatial_gate.conv.conv.weight')
    if spatial is not None and spatial.shape[-1] != 7:
        cfg['spatial_kernel_size'] = spatial.shape[-1]
    if f'{block}.cbam.spatial_gate.conv.bn.weight' in weights:
        cfg['spatial_norm_cfg'] = dict(type='BN')
    return cfg


def _stage_attention(weights: Mapping[str, Tensor],
                     stage: int) -> Optional[dict]:
    """The attention config shared by every block of ``stage`` (1-4)."""
    cfgs = [
        block_attention(weights, f'layer{stage}.{index}')
        for index in range(_num_blocks(weights, stage))
    ]
    if any(cfg != cfgs[0] for cfg in cfgs):
        listed = _key_list(f'layer{stage}.{i}: {format_cfg(cfg)}'
                           for i, cfg in enumerate(cfgs))
        raise ValueError(f'layer{stage} mixes attention layers ({listed}); '
                         'AttentionResNet gives every block of a stage the '
                         'same one')
    return cfgs[0]


def infer_backbone_cfg(weights: Mapping[str, Tensor]) -> dict:
    """The ``AttentionResNet`` config of converted weights, from their keys
    and shapes: depth, stem, ``avg_down`` and the attention of each stage
    (one dict if the same in every stage, else a list).

    Args:
        weights (Mapping[str, Tensor]): Weights with ``AttentionResNet``'s
            key names.

    Returns:
        dict: The config, ``type='AttentionResNet'`` with arguments that
        differ from the defaults.

    Raises:
        ValueError: A depth, stem or block AttentionResNet cannot express.
    """
    cfg = dict(type='AttentionResNet', depth=_depth(weights))
    _check_trunk(weights)
    attention = [_stage_attention(weights, stage) for stage in range(1, 5)]
    if any(a != attention[0] for a in attention):
        cfg['attention'] = attention
    elif attention[0] is not None:
        cfg['attention'] = attention[0]
    cfg.update(_stem_args(weights))
    if any(f'layer{s}.0.downsample.2.weight' in weights for s in (1, 2)):
        cfg['avg_down'] = True
    return cfg


def check_attention(cfg: dict, attention_type: str, family: str) -> None:
    """Refuse a config whose stages are not all ``attention_type``.

    Args:
        cfg (dict): From :func:`infer_backbone_cfg`.
        attention_type (str): The type every stage must have (``'ECA'``).
        family (str): The source, with its article, for the message.

    Raises:
        ValueError: ``not {family} checkpoint: ...``.
    """
    attention = cfg.get('attention')
    stages = attention if isinstance(attention, list) else [attention] * 4
    if any(a is None or a['type'] != attention_type for a in stages):
        raise ValueError(f'not {family} checkpoint: expected {attention_type}'
                         f' layers in every block, got attention='
                         f'{format_cfg(attention)}')


def _problems(weights: Mapping[str, Tensor], expected: Mapping[str, Tensor],
              origin: Mapping[str, str]) -> List[str]:
    """The missing, unexpected and mis-shaped keys of ``weights``."""

    def named(key: str) -> str:
        source = origin.get(key, key)
        return key if source == key else f'{key} (from {source})'

    missing = [k for k in expected if k not in weights]
    unexpected = [named(k) for k in weights if k not in expected]
    mismatched = [
        f'{named(k)}: {tuple(weights[k].shape)} vs {tuple(v.shape)}'
        for k, v in expected.items()
        if k in weights and weights[k].shape != v.shape
    ]
    listed = (('missing', missing), ('unexpected', unexpected),
              ('shapes (source vs backbone)', mismatched))
    return [f'{what} {_key_list(keys)}' for what, keys in listed if keys]


def match_backbone(weights: Mapping[str, Tensor],
                   backbone_cfg: dict,
                   origin: Optional[Mapping[str, str]] = None) -> Weights:
    """Check that ``weights`` fill the backbone of ``backbone_cfg`` exactly.

    The backbone is built on the meta device (no memory, no init). Missing
    BN ``num_batches_tracked`` counters (older checkpoints lack them) are
    set to 0; every other key must be there, with the backbone's shape.

    Args:
        weights (Mapping[str, Tensor]): Converted weights.
        backbone_cfg (dict): ``AttentionResNet`` config.
        origin (Mapping[str, str], optional): Source key of each key, for
            the message. Defaults to None.

    Returns:
        OrderedDict[str, Tensor]: The weights in the backbone's key order.

    Raises:
        ValueError: Naming the missing, unexpected and mis-shaped keys.
    """
    with torch.device('meta'):
        expected = MODELS.build(backbone_cfg).state_dict()
    filled = OrderedDict(weights)
    for key in expected:
        if key.endswith('.num_batches_tracked') and key not in filled:
            filled[key] = torch.tensor(0)
    problems = _problems(filled, expected, origin or {})
    if problems:
        raise ValueError(f'the weights do not fill '
                         f'{format_cfg(backbone_cfg)} exactly: ' +
                         '; '.join(problems))
    return OrderedDict((k, filled[k]) for k in expected)


def convert_state_dict(state_dict: Mapping[str, Tensor],
                       rules: Sequence[Rule],
                       family: str,
                       attention_type: Optional[str] = None,
                       transform: Optional[Transform] = None) -> Converted:
    """Rename, infer the config, check: the steps every converter takes.

    Args:
        state_dict (Mapping[str, Tensor]): Source weights
            (:func:`unwrap_state_dict`).
        rules (Sequence[Rule]): Rename rules; each source key must match
            one.
        family (str): The source, with its article, for messages
            (``'a timm ResNet'``).
        attention_type (str, optional): The attention every block must
            have. Defaults to None (any, or none).
        transform (Callable, optional): Changes the renamed weights in
            place (e.g. reorders a conv's channels). Defaults to None.

    Returns:
        tuple[OrderedDict, dict]: The weights (every source key used but
        the classifier head) and the ``AttentionResNet`` config they fill.

    Raises:
        ValueError: The message names the keys and what is wrong.
    """
    weights, origin, unmatched = rename_keys(state_dict, rules)
    if unmatched:
        raise ValueError(f'keys with no place in AttentionResNet (is this '
                         f'{family} checkpoint?): {_key_list(unmatched)}')
    if transform is not None:
        transform(weights)
    cfg = infer_backbone_cfg(weights)
    if attention_type is not None:
        check_attention(cfg, attention_type, family)
    return match_backbone(weights, cfg, origin), cfg


def save_sha256_named(checkpoint: Any, out_file: str) -> str:
    """Save ``checkpoint`` as ``<out_file stem>-<sha256[:8]>.pth``.

    Args:
        checkpoint: What to ``torch.save``.
        out_file (str): Output name ending in ``.pth``.

    Returns:
        str: The path written.
    """
    if not out_file.endswith('.pth'):
        raise ValueError(f'out_file must end with .pth, got {out_file!r}')
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    tmp_file = out_file + '.tmp'
    torch.save(checkpoint, tmp_file)
    with open(tmp_file, 'rb') as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    final_file = f'{out_file[:-len(".pth")]}-{sha[:8]}.pth'
    os.replace(tmp_file, final_file)
    return final_file


def save_converted(weights: Mapping[str, Tensor], backbone_cfg: dict,
                   out_file: str, source: str, converter: str) -> str:
    """Write converted weights as ``{'state_dict', 'meta'}``, named by
    :func:`save_sha256_named`; it loads with ``torch.load(weights_only=True)``
    and as ``init_cfg=dict(type='Pretrained', checkpoint=PATH)``.

    Args:
        weights (Mapping[str, Tensor]): Converted weights.
        backbone_cfg (dict): The ``AttentionResNet`` config they fill.
        out_file (str): Output name ending in ``.pth``.
        source (str): Where the weights came from (path, URL, scheme).
        converter (str): The converter's module name.

    Returns:
        str: The path written.
    """
    meta = dict(source=source, converter=converter, backbone_cfg=backbone_cfg)
    return save_sha256_named(
        dict(state_dict=OrderedDict(weights), meta=meta), out_file)
