#!/usr/bin/python3
"""torchaudio reference for feature-extraction speed: AST's kaldi fbank (128 mel) of 10 s clips at 16 kHz
on ONE thread, from the waveform (the same work as bench/features.ts).

Usage: /usr/bin/python3 bench/reference_features.py [--clips 200] [--mel 128]
Prints one JSON object: {"engine": "torchaudio", "clips_per_s": ..., "clips": ..., "seconds": ...,
"cpu_clips_per_s": ...} (the last by process CPU time, which a busy machine does not dilute).
"""
import argparse
import json
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
    t0 = time.perf_counter()
    c0 = time.process_time()
    for i in range(args.clips):
        ast_fbank(waves[i % 4], args.mel)
    cpu = time.process_time() - c0
    seconds = time.perf_counter() - t0
    print(json.dumps({"engine": "torchaudio", "torch": torch.__version__, "torchaudio": torchaudio.__version__,
                      "threads": torch.get_num_threads(), "clips_per_s": args.clips / seconds,
                      "clips": args.clips, "seconds": seconds, "cpu_clips_per_s": args.clips / cpu}))


if __name__ == "__main__":
    main()
