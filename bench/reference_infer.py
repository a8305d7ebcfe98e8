#!/usr/bin/python3
"""PyTorch reference for AST inference speed (and the model the infer fixtures are made with).

The model is AST (YuanGongND/ast, timm 0.4.5 DeiT blocks) written in plain torch, so that it needs
no timm: Conv2d patch embedding with (fstride, tstride), [cls, dist, patches] + pos, pre-norm blocks
(LayerNorm eps 1e-6, fused qkv with bias, exact GELU), final norm, (x[:,0] + x[:,1]) / 2, then
LayerNorm(eps 1e-5) + Linear. State-dict names match the reference AST ones (v.*, mlp_head.*).

Measured as bench/infer.ts measures ours: untimed warm-up batches, then timed batches; the figure is
batch / the median batch time.

Usage: /usr/bin/python3 bench/reference_infer.py [--threads 2] [--batch 8] [--warmup 2] [--batches 5]
       [--strides 16,10] [--depth 12]
       [--torch-onnx DIR]   (also writes torch.onnx exports of the same models, which bench/infer.ts runs
                             in onnxruntime-node beside ours: the same-runtime control)
Prints one JSON object: {"engine": "pytorch", "results": [{"stride": 16, "clips_per_s": ...}, ...]}.
"""
import argparse
import json
import math
import os
import statistics
import time

import torch
import torch.nn as nn


class PatchEmbed(nn.Module):
    def __init__(self, dim, fstride, tstride):
        super().__init__()
        self.proj = nn.Conv2d(1, dim, kernel_size=(16, 16), stride=(fstride, tstride))


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(nn.functional.gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads, eps):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, dim * 4)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class Backbone(nn.Module):
    def __init__(self, dim, depth, heads, fstride, tstride, n_patches, eps):
        super().__init__()
        self.patch_embed = PatchEmbed(dim, fstride, tstride)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.dist_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, n_patches + 2, dim))
        self.blocks = nn.ModuleList([Block(dim, heads, eps) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=eps)


class AST(nn.Module):
    """forward(x: [B, T, F]) -> (logits [B, C], embedding [B, D])."""

    def __init__(self, dim=192, depth=12, heads=3, fstride=16, tstride=16, mel_bins=128, target_length=512,
                 classes=50, block_eps=1e-6, head_eps=1e-5):
        super().__init__()
        self.f_dim = (mel_bins - 16) // fstride + 1
        self.t_dim = (target_length - 16) // tstride + 1
        self.v = Backbone(dim, depth, heads, fstride, tstride, self.f_dim * self.t_dim, block_eps)
        self.mlp_head = nn.Sequential(nn.LayerNorm(dim, eps=head_eps), nn.Linear(dim, classes))

    def tokens(self, x):
        """The final-normed token sequence [B, 2 + f_dim * t_dim, D]."""
        b = x.shape[0]
        x = x.unsqueeze(1).transpose(2, 3)
        x = self.v.patch_embed.proj(x).flatten(2).transpose(1, 2)
        x = torch.cat((self.v.cls_token.expand(b, -1, -1), self.v.dist_token.expand(b, -1, -1), x), dim=1)
        x = x + self.v.pos_embed
        for blk in self.v.blocks:
            x = blk(x)
        return self.v.norm(x)

    def forward(self, x):
        x = self.tokens(x)
        emb = (x[:, 0] + x[:, 1]) / 2
        return self.mlp_head(emb), emb


def randomise(model, seed):
    """Non-trivial weights everywhere (LayerNorm gains and biases included), so parity tests see every term."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('norm1.weight') or name.endswith('norm2.weight') or name.endswith('norm.weight') or name == 'mlp_head.0.weight':
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            elif p.dim() == 1:
                p.copy_(0.02 * torch.randn(p.shape, generator=g))
            else:
                fan_in = p[0].numel() if p.dim() > 1 else p.shape[-1]
                std = 0.02 if name.startswith('v.pos') or 'token' in name else 1 / math.sqrt(fan_in)
                p.copy_(std * torch.randn(p.shape, generator=g))


def batch_times(model, batch, warmup, batches, mel_bins, target_length):
    x = torch.randn(batch, target_length, mel_bins)
    times = []
    with torch.no_grad():
        for _ in range(warmup):
            model(x)
        for _ in range(batches):
            t0 = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t0)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--batches', type=int, default=5)
    ap.add_argument('--strides', default='16,10')
    ap.add_argument('--depth', type=int, default=12)
    ap.add_argument('--torch-onnx', default=None, help='folder for torch.onnx exports (opset 17) of the benchmarked models')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    results = []
    for stride in [int(s) for s in args.strides.split(',')]:
        model = AST(fstride=stride, tstride=stride, depth=args.depth).eval()
        randomise(model, 0)
        times = batch_times(model, args.batch, args.warmup, args.batches, 128, 512)
        results.append({'stride': stride, 'depth': args.depth, 'warmup': args.warmup,
                        'clips_per_s': round(args.batch / statistics.median(times), 2),
                        'batch_s': [round(t, 4) for t in times]})
        if args.torch_onnx:
            os.makedirs(args.torch_onnx, exist_ok=True)
            torch.onnx.export(model, torch.randn(1, 512, 128), os.path.join(args.torch_onnx, f'ast_tiny_s{stride}.onnx'),
                              input_names=['fbank'], output_names=['logits', 'embedding'], opset_version=17,
                              dynamic_axes={'fbank': {0: 'batch'}, 'logits': {0: 'batch'}, 'embedding': {0: 'batch'}})
    print(json.dumps({'engine': 'pytorch', 'torch': torch.__version__, 'threads': args.threads, 'batch': args.batch,
                      'model': f'AST-tiny, {args.depth} blocks, 128 mel x 512 frames', 'results': results}))


if __name__ == '__main__':
    main()
