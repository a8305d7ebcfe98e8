#!/usr/bin/python3
"""PyTorch CPU reference for AST training speed: the same AST-tiny as bench/reference_infer.py
(12 blocks, 192 dim, 128 mel x 512 frames), batch 8, BCE-with-logits, Adam, 2 threads.

Usage: /usr/bin/python3 bench/reference_train.py [--threads 2] [--batch 8] [--steps 4] [--strides 16,10]
Prints one JSON object: {"engine": "pytorch", "results": [{"stride": 16, "samples_per_s": ..., "cpu_s_per_step": ...,
"peak_rss_mb": ...}, ...]} (cpu_s_per_step: process CPU seconds per timed step, all threads).
"""
import argparse
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_infer import AST, randomise  # noqa: E402  (the one reference model definition)


def samples_per_s(model, batch, steps, classes):
    opt = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.95, 0.999), weight_decay=5e-7)
    x = torch.randn(batch, 512, 128)
    y = (torch.rand(batch, classes) < 0.1).float()
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def step():
        opt.zero_grad()
        logits, _ = model(x)
        loss_fn(logits, y).backward()
        opt.step()

    step()  # warm-up
    t0 = time.perf_counter()
    c0 = time.process_time()
    for _ in range(steps):
        step()
    # Also the process CPU seconds per step (all threads): on a shared machine the wall-clock rate
    # falls with the load, the CPU time much less.
    return batch * steps / (time.perf_counter() - t0), (time.process_time() - c0) / steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--steps', type=int, default=4)
    ap.add_argument('--strides', default='16,10')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    results = []
    for stride in [int(s) for s in args.strides.split(',')]:
        torch.manual_seed(0)
        model = AST(fstride=stride, tstride=stride).train()
        randomise(model, 0)
        sps, cpu = samples_per_s(model, args.batch, args.steps, 50)
        results.append({'stride': stride, 'samples_per_s': round(sps, 3), 'cpu_s_per_step': round(cpu, 3),
                        'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)})
    print(json.dumps({'engine': 'pytorch', 'torch': torch.__version__, 'threads': args.threads, 'batch': args.batch,
                      'model': 'AST-tiny, 12 blocks, 128 mel x 512 frames', 'results': results}))


if __name__ == '__main__':
    main()
