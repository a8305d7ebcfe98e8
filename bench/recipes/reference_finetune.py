#!/usr/bin/python3
"""PyTorch anchor for the recipe sweeps: train AST on a dataset folder of the practice kind
(ground_truth.csv `fname,labels,split`, vocabulary.csv, audio/<fname>.flac) from scratch, from a
Hugging Face AST folder fine-tuned, or with that folder's backbone frozen, with the plain recipe
(Adam, constant lr, BCE, no augmentation), and print the test mAP at the best validation epoch.

It is the independent side of "is Tagbench's pretrained start as good as PyTorch's?": the model is
bench/reference_infer.py's AST (the one reference model definition), the features are torchaudio's
Kaldi fbank as AST computes them, the metric is sklearn's macro average precision, and the weights
are read and regridded as AST's reference code does (F.interpolate, bilinear, time axis first).

Usage: /usr/bin/python3 bench/recipes/reference_finetune.py DATASET [--pretrained HF_FOLDER]
       [--frozen] [--epochs 12] [--lr 2.5e-4] [--batch 16] [--depth 4] [--seed 0] [--threads 2] [--target-length 400]
Append its line to bench/recipes/reference.jsonl (the anchors quoted in the README).
Prints one JSON object: {"date", "load", "start", "test_mAP", "best_epoch", "val_mAP": [...], ...}.
"""
import argparse
import csv
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchaudio
from sklearn.metrics import average_precision_score

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from reference_infer import AST  # noqa: E402


def read_safetensors(path):
    """The safetensors format is an 8-byte header length, a JSON header, then raw little-endian data
    (F32 only here); read by hand because Debian has no python3-safetensors."""
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == '__metadata__':
            continue
        if meta['dtype'] != 'F32':
            raise SystemExit(f'{path}: {name} is {meta["dtype"]}, only F32 is read')
        a, b = meta['data_offsets']
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype='<f4').copy()).reshape(meta['shape'])
    return out


def hf_to_reference(t, depth):
    """ASTForAudioClassification names -> the reference AST's (v.*, mlp_head.*), trunk only."""
    p = 'audio_spectrogram_transformer.'
    e = p + 'embeddings.'
    sd = {
        'v.patch_embed.proj.weight': t[e + 'patch_embeddings.projection.weight'],
        'v.patch_embed.proj.bias': t[e + 'patch_embeddings.projection.bias'],
        'v.cls_token': t[e + 'cls_token'],
        'v.dist_token': t[e + 'distillation_token'],
        'v.pos_embed': t[e + 'position_embeddings'],
        'v.norm.weight': t[p + 'layernorm.weight'],
        'v.norm.bias': t[p + 'layernorm.bias'],
    }
    for i in range(depth):
        l = f'{p}encoder.layer.{i}.'
        b = f'v.blocks.{i}.'
        for wb in ('weight', 'bias'):
            sd[f'{b}attn.qkv.{wb}'] = torch.cat([t[f'{l}attention.attention.{n}.{wb}'] for n in ('query', 'key', 'value')])
            for src, dst in (('layernorm_before', 'norm1'), ('attention.output.dense', 'attn.proj'),
                             ('layernorm_after', 'norm2'), ('intermediate.dense', 'mlp.fc1'), ('output.dense', 'mlp.fc2')):
                sd[f'{b}{dst}.{wb}'] = t[f'{l}{src}.{wb}']
    return sd


def regrid(pos, f0, t0, f1, t1):
    """AST's own adaptation (ast_models.py): time axis first, crop when it shrinks, bilinear when it grows.
    test/fixtures/models/make_ast_reference.py's adapt_pos is the same rule; that script writes its
    fixtures when imported, so it cannot be shared from here."""
    d = pos.shape[2]
    g = pos[:, 2:, :].transpose(1, 2).reshape(1, d, f0, t0)
    if t1 <= t0:
        g = g[:, :, :, t0 // 2 - t1 // 2: t0 // 2 - t1 // 2 + t1]
    else:
        g = F.interpolate(g, size=(f0, t1), mode='bilinear')
    if f1 <= f0:
        g = g[:, :, f0 // 2 - f1 // 2: f0 // 2 - f1 // 2 + f1, :]
    else:
        g = F.interpolate(g, size=(f1, t1), mode='bilinear')
    return torch.cat([pos[:, :2, :], g.reshape(1, d, f1 * t1).transpose(1, 2)], dim=1)


def features(path, target_length, mean, std):
    wave, sr = torchaudio.load(path)
    fb = torchaudio.compliance.kaldi.fbank(wave - wave.mean(), htk_compat=True, sample_frequency=sr, use_energy=False,
                                           window_type='hanning', num_mel_bins=128, dither=0.0, frame_shift=10)
    n = fb.shape[0]
    fb = F.pad(fb, (0, 0, 0, target_length - n)) if n < target_length else fb[:target_length]
    return (fb - mean) / (std * 2)


def read_dataset(folder):
    vocab = [r['label'] for r in csv.DictReader(open(os.path.join(folder, 'vocabulary.csv')))]
    index = {c: i for i, c in enumerate(vocab)}
    rows = {'train': [], 'val': [], 'test': []}
    for r in csv.DictReader(open(os.path.join(folder, 'ground_truth.csv'))):
        y = np.zeros(len(vocab), dtype=np.float32)
        for c in r['labels'].split(','):
            y[index[c.strip()]] = 1
        rows[r['split']].append((os.path.join(folder, 'audio', r['fname'] + '.flac'), y))
    return vocab, rows


def evaluate(model, x, y, batch=32):
    model.eval()
    with torch.no_grad():
        scores = torch.cat([torch.sigmoid(model(x[i:i + batch])[0]) for i in range(0, len(x), batch)]).numpy()
    model.train()
    keep = y.sum(0) > 0
    return float(average_precision_score(y[:, keep], scores[:, keep], average='macro'))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('dataset')
    ap.add_argument('--pretrained', default=None)
    ap.add_argument('--frozen', action='store_true')
    ap.add_argument('--epochs', type=int, default=12)
    ap.add_argument('--lr', type=float, default=2.5e-4)
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--depth', type=int, default=4)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--target-length', type=int, default=400, help='frames per clip (Tagbench: 400 for 4 s clips)')
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    vocab, rows = read_dataset(args.dataset)
    target_length = args.target_length
    if args.pretrained:
        cfg = json.load(open(os.path.join(args.pretrained, 'config.json')))
        prep = json.load(open(os.path.join(args.pretrained, 'preprocessor_config.json')))
        mean, std = prep['mean'], prep['std']
        dim, heads, eps = cfg['hidden_size'], cfg['num_attention_heads'], cfg['layer_norm_eps']
    else:
        dim, heads, eps = 192, 3, 1e-6
        mean = std = None
    t0 = time.time()
    date = time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())
    load0 = os.getloadavg()[0]  # with the end's: the mean 1-min load, as sweep.ts records it
    data = {}
    if mean is None:  # scratch: the training split's statistics, as Tagbench computes them
        raw = torch.stack([features(p, target_length, 0.0, 0.5) for p, _ in rows['train']])
        mean, std = float(raw.mean()), float(raw.std())
    for split, rs in rows.items():
        data[split] = (torch.stack([features(p, target_length, mean, std) for p, _ in rs]), np.stack([y for _, y in rs]))
    model = AST(dim=dim, depth=args.depth, heads=heads, fstride=16, tstride=16, mel_bins=128, target_length=target_length,
                classes=len(vocab), block_eps=eps, head_eps=eps)
    if args.pretrained:
        sd = hf_to_reference(read_safetensors(os.path.join(args.pretrained, 'model.safetensors')), args.depth)
        f0, t0_ = (128 - 16) // 16 + 1, (cfg['max_length'] - 16) // 16 + 1
        sd['v.pos_embed'] = regrid(sd['v.pos_embed'], f0, t0_, model.f_dim, model.t_dim)
        missing, unexpected = model.load_state_dict(sd, strict=False)
        assert all(m.startswith('mlp_head.') for m in missing) and not unexpected, (missing, unexpected)
    else:
        with torch.no_grad():
            for name, p in model.named_parameters():
                if name.startswith('v.pos') or 'token' in name:
                    torch.nn.init.trunc_normal_(p, std=0.02)
    if args.frozen:
        for name, p in model.named_parameters():
            p.requires_grad = name.startswith('mlp_head.')
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=args.lr, betas=(0.95, 0.999), weight_decay=5e-7)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    xtr, ytr = data['train'][0], torch.from_numpy(data['train'][1])
    g = torch.Generator().manual_seed(args.seed)
    val, best, best_epoch, test_at_best = [], -1.0, 0, 0.0
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(xtr), generator=g)
        for i in range(0, len(order), args.batch):
            idx = order[i:i + args.batch]
            opt.zero_grad()
            loss_fn(model(xtr[idx])[0], ytr[idx]).backward()
            opt.step()
        v = evaluate(model, *data['val'])
        val.append(round(v, 4))
        print(f'epoch {epoch}/{args.epochs}: val mAP {v:.4f} ({time.time() - t0:.0f} s)', file=sys.stderr, flush=True)
        if v > best:
            best, best_epoch, test_at_best = v, epoch, evaluate(model, *data['test'])
    load = round((load0 + os.getloadavg()[0]) / 2, 1)
    print(json.dumps({'date': date, 'load': load, 'start': 'frozen' if args.frozen else ('finetune' if args.pretrained else 'scratch'),
                      'dataset': os.path.basename(os.path.normpath(args.dataset)), 'test_mAP': round(test_at_best, 4),
                      'best_epoch': best_epoch, 'val_mAP': val, 'epochs': args.epochs, 'lr': args.lr, 'batch': args.batch,
                      'depth': args.depth, 'target_length': target_length, 'norm': [mean, std], 'seed': args.seed,
                      'torch': torch.__version__, 'wall_s': round(time.time() - t0)}))


if __name__ == '__main__':
    main()
