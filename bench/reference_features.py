#!/usr/bin/python3
"""torchaudio reference for feature-extraction speed: AST's kaldi fbank (128 mel) of 10 s clips at 16 kHz
on ONE thread, from the waveform (the same work as bench/features.ts).

Measured as bench/features.ts measures ours: 5 untimed clips, then each timed clip on its own; the
figure is 1 / the median clip time.

Usage: /usr/bin/python3 bench/reference_features.py [--clips 200] [--mel 128]
Prints one JSON object: {"engine": "torchaudio", "clips_per_s": ..., "clips": ..., "seconds": ...,
"cpu_clips_per_s": ..., "clip_s": [...]} (cpu_clips_per_s by process CPU time, which a busy machine does not dilute).
"""
import argparse
import json
import statistics
import time

import torch
import torchaudio
from torchaudio.compliance import kaldi


def ast_fbank(wave, mel):
    return kaldi.fbank(wave - wave.mean(), htk_compat=True, sample_frequency=16000, use_energy=False,
                       window_type="hanning", num_mel_bins=mel, dither=0.0, frame_shift=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=200)
    ap.add_argument("--mel", type=int, default=128)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    t = torch.arange(160000) / 16000
    waves = [(0.3 * torch.sin(2 * torch.pi * 220 * (k + 1) * t) + 0.05 * torch.randn(160000))[None].float()
             for k in range(4)]
    for i in range(5):
        ast_fbank(waves[i % 4], args.mel)
    clip_s = []
    c0 = time.process_time()
    for i in range(args.clips):
        t0 = time.perf_counter()
        ast_fbank(waves[i % 4], args.mel)
        clip_s.append(time.perf_counter() - t0)
    cpu = time.process_time() - c0
    seconds = sum(clip_s)
    print(json.dumps({"engine": "torchaudio", "torch": torch.__version__, "torchaudio": torchaudio.__version__,
                      "threads": torch.get_num_threads(), "clips_per_s": 1 / statistics.median(clip_s),
                      "clips": args.clips, "seconds": seconds, "cpu_clips_per_s": args.clips / cpu,
                      "clip_s": [round(t, 5) for t in clip_s]}))


if __name__ == "__main__":
    main()
