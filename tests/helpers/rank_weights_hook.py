"""A test-only hook: each rank saves its model parameters after training, so
a test can check that distributed ranks stayed in sync.

Buffers are left out on purpose: MMEngine wraps models with
``broadcast_buffers=False``, so BN running statistics are per rank (as in
MMDetection on GPUs) and only rank 0's are checkpointed."""
import os.path as osp

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class SaveRankWeightsHook(Hook):

    def after_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        torch.save(
            {k: v.detach().clone()
             for k, v in model.named_parameters()},
            osp.join(runner.work_dir, f'rank{runner.rank}_weights.pth'))
