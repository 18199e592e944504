"""Inference speed of a whole detector, on the CPU or a GPU.

MMDetection's ``tools/analysis_tools/benchmark.py --task inference`` moves
the model to CUDA unconditionally; this tool runs its ``InferenceBenchmark``
(same data loader: batch 1, no workers; same log lines) on ``--device``.

Usage, from the repository root::

    python tools/analysis_tools/benchmark_detector.py CONFIG CHECKPOINT \\
        [--device cpu] [--max-iter 50] [--num-warmup 5] [--repeat-num 1] \\
        [--fuse-conv-bn] [--work-dir DIR] [--cfg-options data_root=DIR/]

Prints the images per second and milliseconds per image of each repeat and
their mean (``Overall fps: ...``), and writes them to
``WORK_DIR/benchmark.json`` when ``--work-dir`` is given.
"""
import argparse
import json
import os
import os.path as osp
import time
from typing import List, Optional

import torch
import torch.nn as nn
from mmcv.cnn import fuse_conv_bn
from mmdet.registry import MODELS
from mmdet.utils.benchmark import (InferenceBenchmark, print_log,
                                   print_process_memory)
from mmengine import MMLogger
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from mmdet_attn.utils import load_run_config


class DeviceInferenceBenchmark(InferenceBenchmark):
    """MMDetection's :class:`InferenceBenchmark` on any device.

    The stock class calls ``model.cuda()``, ``torch.cuda.synchronize()`` and
    reads CUDA memory unconditionally, so it cannot run on a CPU-only torch;
    this subclass overrides those three places and keeps the rest (data
    loader, process memory log, per-repeat averaging). It also cycles the
    data loader when ``max_iter`` exceeds the dataset and refuses a run that
    times no image.

    Args:
        cfg (Config): a detector config with a ``test_dataloader``.
        checkpoint (str): the checkpoint to load.
        device (str): ``'cpu'``, ``'cuda'`` or ``'cuda:N'``.
        is_fuse_conv_bn (bool): fold batch norms into the convolutions.
        max_iter (int): images per repeat, warm-up included.
        log_interval (int): log the running speed every that many images.
        num_warmup (int): images run before timing starts.
        logger (MMLogger, optional): where the log lines go.

    Example:
        >>> cfg = load_run_config('configs/faster_rcnn_attn_r18_custom27.py')
        >>> bench = DeviceInferenceBenchmark(cfg, 'epoch_1.pth', 'cpu',
        ...                                  False, max_iter=10, num_warmup=2)
        >>> sorted(bench.run(repeat_num=1))
        ['avg_fps', 'fps_list', 'ms_per_image_list']
    """

    def __init__(self,
                 cfg: Config,
                 checkpoint: str,
                 device: str,
                 is_fuse_conv_bn: bool,
                 max_iter: int = 50,
                 log_interval: int = 10,
                 num_warmup: int = 5,
                 logger: Optional[MMLogger] = None):
        self.device = torch.device(device)
        super().__init__(cfg, checkpoint, False, is_fuse_conv_bn, max_iter,
                         log_interval, num_warmup, logger)

    def _synchronize(self) -> None:
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)

    def _memory_note(self) -> str:
        if self.device.type != 'cuda':
            return ''
        peak = torch.cuda.max_memory_allocated(self.device) // 1024**2
        return f', cuda memory: {peak} MB'

    def _init_model(self, checkpoint: str, is_fuse_conv_bn: bool) -> nn.Module:
        model = MODELS.build(self.cfg.model)
        load_checkpoint(model, checkpoint, map_location='cpu')
        if is_fuse_conv_bn:
            model = fuse_conv_bn(model)
        return model.to(self.device).eval()

    def run_once(self) -> dict:
        """Time ``max_iter - num_warmup`` images after ``num_warmup``.

        Returns:
            dict: ``{'fps': images per second}``.
        """
        if len(self.data_loader) == 0:
            raise ValueError('the test split of the config has no image to '
                             'run the detector on')
        timed, elapsed_total, done = 0, 0.0, 0
        while done < self.max_iter:
            for data in self.data_loader:
                self._synchronize()
                start = time.perf_counter()
                with torch.no_grad():
                    self.model.test_step(data)
                self._synchronize()
                elapsed = time.perf_counter() - start
                done += 1
                if done > self.num_warmup:
                    timed += 1
                    elapsed_total += elapsed
                    if timed % self.log_interval == 0:
                        fps = timed / elapsed_total
                        print_log(
                            f'Done image [{done:<3}/{self.max_iter}], '
                            f'fps: {fps:.2f} img/s, times per image: '
                            f'{1000 / fps:.1f} ms/img{self._memory_note()}',
                            self.logger)
                        print_process_memory(self._process, self.logger)
                if done == self.max_iter:
                    break
        return {'fps': timed / elapsed_total}

    def average_multiple_runs(self, results: List[dict]) -> dict:
        """Mean speed over the repeats, logged as the stock tool does.

        Args:
            results (list[dict]): what :meth:`run_once` returned per repeat.

        Returns:
            dict: ``avg_fps``, ``fps_list`` and ``ms_per_image_list``.
        """
        fps_list = [round(result['fps'], 2) for result in results]
        ms_list = [round(1000 / result['fps'], 1) for result in results]
        avg_fps = sum(fps_list) / len(fps_list)
        print_log('============== Done ==================', self.logger)
        print_log(
            f'Overall fps: {fps_list}[{avg_fps:.2f}] img/s, times per '
            f'image: {ms_list}[{sum(ms_list) / len(ms_list):.1f}] ms/img '
            f'on {self.device}{self._memory_note()}', self.logger)
        print_process_memory(self._process, self.logger)
        return {
            'avg_fps': avg_fps,
            'fps_list': fps_list,
            'ms_per_image_list': ms_list
        }


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Inference speed (images per second, batch 1) of a '
        'detector on the test split')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--device',
        default='cuda' if torch.cuda.is_available() else 'cpu',
        help='cpu, cuda or cuda:N (default: cuda when available)')
    parser.add_argument(
        '--max-iter',
        type=int,
        default=50,
        help='images per repeat, warm-up included (the test split is '
        'cycled if smaller)')
    parser.add_argument(
        '--num-warmup', type=int, default=5, help='images before timing')
    parser.add_argument(
        '--repeat-num', type=int, default=1, help='repeats to average')
    parser.add_argument(
        '--log-interval',
        type=int,
        default=10,
        help='log the running speed every that many timed images')
    parser.add_argument(
        '--fuse-conv-bn',
        action='store_true',
        help='fold batch norms into convolutions (slightly faster)')
    parser.add_argument(
        '--work-dir', help='write benchmark.log and benchmark.json there')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value; data_root=DIR/ repoints '
        'every split')
    args = parser.parse_args(argv)
    if not osp.isfile(args.checkpoint):
        parser.error(f'checkpoint {args.checkpoint!r} does not exist')
    if args.max_iter < 1 or args.num_warmup < 0 or args.repeat_num < 1 \
            or args.log_interval < 1:
        parser.error('--max-iter, --repeat-num and --log-interval must be '
                     '>= 1 and --num-warmup >= 0')
    if args.num_warmup >= args.max_iter:
        parser.error(f'--num-warmup ({args.num_warmup}) must be smaller than '
                     f'--max-iter ({args.max_iter}): no image would be timed')
    try:
        device_type = torch.device(args.device).type
    except RuntimeError:
        device_type = None
    if device_type not in ('cpu', 'cuda'):
        parser.error(f'--device must be cpu, cuda or cuda:N, got '
                     f'{args.device!r}')
    if device_type == 'cuda' and not torch.cuda.is_available():
        parser.error(f'--device {args.device}: this torch '
                     f'({torch.__version__}) sees no CUDA device; use '
                     '--device cpu')
    return args


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    cfg = load_run_config(args.config, args.cfg_options, args.work_dir)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    log_file = None
    if args.work_dir:
        os.makedirs(args.work_dir, exist_ok=True)
        log_file = osp.join(args.work_dir, 'benchmark.log')
    logger = MMLogger.get_instance(
        'benchmark_detector', log_file=log_file, log_level='INFO')
    benchmark = DeviceInferenceBenchmark(
        cfg,
        args.checkpoint,
        args.device,
        args.fuse_conv_bn,
        max_iter=args.max_iter,
        log_interval=args.log_interval,
        num_warmup=args.num_warmup,
        logger=logger)
    results = benchmark.run(args.repeat_num)
    if args.work_dir:
        results.update(
            config=args.config,
            checkpoint=args.checkpoint,
            device=args.device,
            torch_threads=torch.get_num_threads(),
            max_iter=args.max_iter,
            num_warmup=args.num_warmup)
        with open(osp.join(args.work_dir, 'benchmark.json'), 'w') as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == '__main__':
    main()
