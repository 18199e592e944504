"""Reference networks and a local file server for the tests of the weight
converters (``mmdet_attn.models.weight_converters``).

The ECA-Net and CBAM authors' ImageNet ResNets are written here from their
papers and the key layout of their released files: a torchvision-style
ResNet (``conv1``, ``bn1``, ``layerX.Y.convN/bnN``, ``downsample.0/1``,
``fc``) with the attention module at ``layerX.Y.<name>``, after the last BN
of the residual branch, before the addition.
"""
import functools
import http.server
import threading
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, List, Sequence

import torch
import torch.nn as nn
from backbone_checks import randomize
from torch import Tensor

#: Builds the attention module of a block from its channel count and stage.
AttentionFactory = Callable[[int, int], nn.Module]


class ECALayer(nn.Module):
    """ECA-Net: GAP, a 1-D conv of size k across the channels, sigmoid."""

    def __init__(self, kernel_size: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(
            1, 1, kernel_size, padding=(kernel_size - 1) // 2, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        y = self.conv(x.mean((2, 3))[:, None, :])
        return x * torch.sigmoid(y)[:, 0, :, None, None]


class ChannelGate(nn.Module):
    """CBAM's channel gate: one MLP (after a flatten) on the average- and
    max-pooled vectors, summed, sigmoid."""

    def __init__(self, channels: int, ratio: int = 16) -> None:
        super().__init__()
        hidden = channels // ratio
        self.mlp = nn.Sequential(nn.Flatten(), nn.Linear(channels, hidden),
                                 nn.ReLU(), nn.Linear(hidden, channels))

    def forward(self, x: Tensor) -> Tensor:
        avg, max_ = x.mean((2, 3), keepdim=True), x.amax((2, 3), keepdim=True)
        logits = self.mlp(avg) + self.mlp(max_)
        return x * torch.sigmoid(logits)[:, :, None, None]


class SpatialGate(nn.Module):
    """CBAM's spatial gate as the authors code it: channel max and mean,
    in that order, a 7x7 conv without bias, a BN, sigmoid."""

    def __init__(self) -> None:
        super().__init__()
        self.spatial = nn.Sequential(
            OrderedDict(
                conv=nn.Conv2d(2, 1, 7, padding=3, bias=False),
                bn=nn.BatchNorm2d(1)))

    def forward(self, x: Tensor) -> Tensor:
        pooled = torch.cat([x.amax(1, keepdim=True),
                            x.mean(1, keepdim=True)], 1)
        return x * torch.sigmoid(self.spatial(pooled))


class CBAMModule(nn.Module):
    """CBAM: the channel gate, then the spatial gate."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.ChannelGate = ChannelGate(channels)
        self.SpatialGate = SpatialGate()

    def forward(self, x: Tensor) -> Tensor:
        return self.SpatialGate(self.ChannelGate(x))


class Block(nn.Module):
    """A torchvision BasicBlock (``bottleneck=False``) or Bottleneck (stride
    on the 3x3 conv) with ``attention`` after its last BN."""

    def __init__(self, inplanes: int, planes: int, stride: int,
                 bottleneck: bool, attention: nn.Module,
                 attention_name: str) -> None:
        super().__init__()
        out = planes * (4 if bottleneck else 1)
        if bottleneck:  # (in, out, kernel, stride) of each conv
            convs = [(inplanes, planes, 1, 1), (planes, planes, 3, stride),
                     (planes, out, 1, 1)]
        else:
            convs = [(inplanes, planes, 3, stride), (planes, planes, 3, 1)]
        for i, (cin, cout, k, s) in enumerate(convs, 1):
            self.add_module(
                f'conv{i}',
                nn.Conv2d(cin, cout, k, s, padding=k // 2, bias=False))
            self.add_module(f'bn{i}', nn.BatchNorm2d(cout))
        self.num_convs = len(convs)
        self.attention_name = attention_name
        self.add_module(attention_name, attention)
        self.downsample = None
        if stride != 1 or inplanes != out:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, out, 1, stride, bias=False),
                nn.BatchNorm2d(out))

    def forward(self, x: Tensor) -> Tensor:
        out = x
        for i in range(1, self.num_convs + 1):
            out = getattr(self, f'bn{i}')(getattr(self, f'conv{i}')(out))
            if i < self.num_convs:
                out = torch.relu(out)
        out = getattr(self, self.attention_name)(out)
        identity = x if self.downsample is None else self.downsample(x)
        return torch.relu(out + identity)


class ReferenceResNet(nn.Module):
    """A torchvision-style ResNet whose blocks carry an attention module;
    ``forward`` returns the four stage outputs.

    Args:
        blocks (Sequence[int]): Blocks per stage.
        bottleneck (bool): Bottleneck (True) or BasicBlock.
        attention (AttentionFactory): Module of a block, from its output
            channels and stage (0-3).
        attention_name (str): Its attribute name (``eca``, ``cbam``).
    """

    def __init__(self, blocks: Sequence[int], bottleneck: bool,
                 attention: AttentionFactory, attention_name: str) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        inplanes, expansion = 64, 4 if bottleneck else 1
        for stage, num in enumerate(blocks):
            planes = 64 * 2**stage
            layer = []
            for index in range(num):
                stride = 2 if stage > 0 and index == 0 else 1
                layer.append(
                    Block(inplanes, planes, stride, bottleneck,
                          attention(planes * expansion, stage),
                          attention_name))
                inplanes = planes * expansion
            self.add_module(f'layer{stage + 1}', nn.Sequential(*layer))
        self.fc = nn.Linear(inplanes, 10)

    def forward(self, x: Tensor) -> List[Tensor]:
        x = self.maxpool(torch.relu(self.bn1(self.conv1(x))))
        outs = []
        for stage in range(1, 5):
            x = getattr(self, f'layer{stage}')(x)
            outs.append(x)
        return outs


def random_reference(model: nn.Module, attention_key: str) -> nn.Module:
    """``model`` with random BN statistics and affine parameters, and its
    attention weights (names containing ``attention_key``) drawn from
    N(0, 0.5), in eval mode."""
    randomize(model)
    generator = torch.Generator().manual_seed(2)
    for name, param in model.named_parameters():
        if attention_key in name:
            param.data.copy_(
                torch.randn(param.shape, generator=generator) * .5)
    return model.eval()


def max_abs_diff(outs: Sequence[Tensor], refs: Sequence[Tensor]) -> float:
    """The largest absolute difference over paired outputs."""
    assert len(outs) == len(refs) == 4
    for out, ref in zip(outs, refs):
        assert out.shape == ref.shape
    return max((o - r).abs().max().item() for o, r in zip(outs, refs))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging each request to stderr."""

    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Serve ``root`` over http on 127.0.0.1 (a free port) in a thread;
    yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{server.server_address[1]}'
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
