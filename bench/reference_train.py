#!/usr/bin/python3
"""PyTorch CPU reference for AST training speed: the same AST-tiny as bench/reference_infer.py
(12 blocks, 192 dim, 128 mel x 512 frames), batch 8, BCE-with-logits, Adam, 2 threads.

Measured as bench/train.ts measures ours: untimed warm-up steps, then timed steps; the figure is
batch / the median step time.

Usage: /usr/bin/python3 bench/reference_train.py [--threads 2] [--batch 8] [--warmup 2] [--steps 5] [--strides 16,10] [--depth 12]
Prints one JSON object: {"engine": "pytorch", "results": [{"stride": 16, "samples_per_s": ..., "step_s": [...],
"cpu_s_per_step": ..., "peak_rss_mb": ...}, ...]} (cpu_s_per_step: process CPU seconds per timed step, all threads).
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_infer import AST, randomise  # noqa: E402  (the one reference model definition)


def timed_steps(model, batch, warmup, steps, classes):
    opt = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.95, 0.999), weight_decay=5e-7)
    x = torch.randn(batch, 512, 128)
    y = (torch.rand(batch, classes) < 0.1).float()
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def step():
        opt.zero_grad()
        logits, _ = model(x)
        loss_fn(logits, y).backward()
        opt.step()

    for _ in range(warmup):
        step()
    step_s = []
    c0 = time.process_time()
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        step_s.append(time.perf_counter() - t0)
    # Also the process CPU seconds per step (all threads): on a shared machine the wall-clock rate
    # falls with the load, the CPU time much less.
    return step_s, (time.process_time() - c0) / steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--steps', type=int, default=5)
    ap.add_argument('--strides', default='16,10')
    ap.add_argument('--depth', type=int, default=12)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    results = []
    for stride in [int(s) for s in args.strides.split(',')]:
        torch.manual_seed(0)
        model = AST(fstride=stride, tstride=stride, depth=args.depth).train()
        randomise(model, 0)
        step_s, cpu = timed_steps(model, args.batch, args.warmup, args.steps, 50)
        results.append({'stride': stride, 'depth': args.depth, 'warmup': args.warmup,
                        'samples_per_s': round(args.batch / statistics.median(step_s), 3),
                        'step_s': [round(s, 3) for s in step_s], 'cpu_s_per_step': round(cpu, 3),
                        'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)})
    print(json.dumps({'engine': 'pytorch', 'torch': torch.__version__, 'threads': args.threads, 'batch': args.batch,
                      'model': f'AST-tiny, {args.depth} blocks, 128 mel x 512 frames', 'results': results}))


if __name__ == '__main__':
    main()
