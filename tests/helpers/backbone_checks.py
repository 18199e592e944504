"""Checks shared by the backbone tests."""
import torch
from torch.nn.modules.batchnorm import _BatchNorm


def randomize(model: torch.nn.Module) -> torch.nn.Module:
    """Non-trivial BN statistics and affine parameters everywhere (ResNet's
    init zeroes the last norm of each block)."""
    generator = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, _BatchNorm):
            for t in (m.weight, m.bias, m.running_mean):
                t.data.copy_(torch.rand(t.shape, generator=generator) - .5)
            m.running_var.data.copy_(
                torch.rand(m.running_var.shape, generator=generator) + .5)
    return model


def check_recomputation(make) -> None:
    """A backbone that recomputes in the backward (``make(True)``: e.g.
    ``with_cp``) gives the same outputs and gradients as without
    (``make(False)``), in float64 (the recomputation may sum in another
    order)."""
    x = torch.rand(2, 3, 41, 53, dtype=torch.float64)
    results = []
    for recompute in (False, True):
        model = randomize(make(recompute)).double().train()
        outs = model(x)
        sum((o * o).sum() for o in outs).backward()
        grads = {n: p.grad for n, p in model.named_parameters()}
        results.append((outs, grads))
    for a, b in zip(results[0][0], results[1][0]):
        torch.testing.assert_close(a, b)
    assert results[0][1].keys() == results[1][1].keys()
    for name, grad in results[0][1].items():
        torch.testing.assert_close(grad, results[1][1][name], msg=name)
