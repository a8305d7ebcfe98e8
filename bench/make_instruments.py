#!/usr/bin/env python3
"""Make a multi-label instruments set of the practice kind (../shared/datasets/instruments-multilabel).

600 clips of 4.000 s at 16 kHz (mono FLAC): mixtures of 1 to 3 of 10 instrument classes, rendered
from the General MIDI SoundFont (Debian fluid-soundfont-gm) by fluidsynth with random notes, tempi,
keys and loudness. Same layout as the practice set: ground_truth.csv (fname,labels,split; 420/90/90),
vocabulary.csv (with a header), events.csv (strong labels: when each instrument sounds) and
clips_meta.csv (tempo, key, General MIDI programs).

The sweeps of issue 16 tune the quick preset on sets made here with --programs practice (the
practice set's one program per class) and confirm ONCE on a set made with --programs alt (other GM
programs of the same classes, another seed): data of the practice kind that no choice was tuned on.

    apt-get install -y fluidsynth fluid-soundfont-gm sox
    python3 bench/make_instruments.py --out /work/data/instruments-unseen --seed 1601 --programs alt

Needs only the Python standard library, fluidsynth and sox. Rendering 600 clips takes a few minutes.
"""
import argparse
import csv
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

CLASSES = ['piano', 'acoustic_guitar', 'violin', 'trumpet', 'flute', 'church_organ', 'bass', 'marimba', 'choir', 'drum_kit']

# General MIDI programs per class (0-based). 'practice' is the practice set's choice; 'alt' draws,
# per clip and instrument, one of the other programs of the same family (drum_kit: other kits of
# FluidR3's bank 128), so a model tuned on the one cannot have learned the other's exact timbre.
PROGRAMS = {
    'practice': {'piano': [0], 'acoustic_guitar': [25], 'violin': [40], 'trumpet': [56], 'flute': [73],
                 'church_organ': [19], 'bass': [33], 'marimba': [12], 'choir': [52], 'drum_kit': [0]},
    'alt': {'piano': [1, 2], 'acoustic_guitar': [24], 'violin': [40, 110], 'trumpet': [56, 59],
            'flute': [72, 73], 'church_organ': [19, 20], 'bass': [32, 34], 'marimba': [12, 13],
            'choir': [52, 53], 'drum_kit': [8, 16, 24, 25, 32, 40]},
}

# Register (lowest, highest MIDI note) and how notes are played.
RANGES = {'piano': (48, 84), 'acoustic_guitar': (40, 76), 'violin': (55, 93), 'trumpet': (55, 82),
          'flute': (60, 96), 'church_organ': (36, 79), 'bass': (28, 52), 'marimba': (48, 96), 'choir': (48, 76)}
SUSTAINED = {'violin', 'church_organ', 'choir', 'flute', 'trumpet'}
CHORDAL = {'piano', 'acoustic_guitar', 'church_organ'}
MODES = {'major': [0, 2, 4, 5, 7, 9, 11], 'minor': [0, 2, 3, 5, 7, 8, 10], 'dorian': [0, 2, 3, 5, 7, 9, 10],
         'pentatonic': [0, 2, 4, 7, 9]}
ROOTS = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B']
SR = 16000
DUR = 4.0
TPQ = 480  # MIDI ticks per quarter note


def vlq(n):
    """A MIDI variable-length quantity."""
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    return bytes(reversed(out))


def midi_file(bpm, tracks):
    """A format-1 Standard MIDI File. tracks: [(channel, program, volume, [(t_s, 'on'|'off', note, vel)])].
    Channel 10 (index 9) is the drum channel: fluidsynth takes its program as the kit number (bank 128)."""
    tempo_us = int(round(60e6 / bpm))
    sec_to_tick = lambda t: int(round(t * bpm / 60 * TPQ))
    chunks = [b'\x00\xff\x51\x03' + tempo_us.to_bytes(3, 'big') + b'\x00\xff\x2f\x00']
    for ch, program, volume, events in tracks:
        data = bytearray()
        data += b'\x00' + bytes([0xB0 | ch, 7, volume])
        data += b'\x00' + bytes([0xC0 | ch, program])
        last = 0
        for t, kind, note, vel in sorted(events, key=lambda e: (e[0], e[1] == 'on')):
            tick = sec_to_tick(t)
            data += vlq(tick - last) + bytes([(0x90 if kind == 'on' else 0x80) | ch, note, vel if kind == 'on' else 0])
            last = tick
        data += b'\x00\xff\x2f\x00'
        chunks.append(bytes(data))
    head = b'MThd' + struct.pack('>IHHH', 6, 1, len(chunks), TPQ)
    return head + b''.join(b'MTrk' + struct.pack('>I', len(c)) + c for c in chunks)


def scale_notes(root, mode, lo, hi):
    return [n for n in range(lo, hi + 1) if (n - root) % 12 in MODES[mode]]


def active_spans(r):
    """Where an instrument plays within the 4 s: mostly the whole clip, sometimes one or two gaps."""
    u = r.random()
    if u < 0.5:
        return [(0.0, DUR)]
    if u < 0.8:
        a = r.uniform(0.0, 1.5)
        b = r.uniform(a + 1.5, DUR)
        return [(a, b)]
    a = r.uniform(0.0, 1.0)
    gap0 = r.uniform(a + 0.8, 2.6)
    gap1 = r.uniform(gap0 + 0.4, 3.4)
    return [(a, gap0), (gap1, DUR)]


def notes_for(cls, r, bpm, root, mode):
    """Note events (t_s, 'on'/'off', note, velocity) and the sounding segments [(on, off)]."""
    beat = 60.0 / bpm
    events, segs = [], []
    base_vel = r.randint(55, 120)
    vel = lambda: max(20, min(127, base_vel + r.randint(-15, 15)))
    if cls == 'drum_kit':
        for a, b in active_spans(r):
            step = beat / 2
            t = a
            i = 0
            while t < b - 0.02:
                hits = [42]  # closed hi-hat on every eighth
                if i % 4 == 0:
                    hits.append(36)  # kick
                if i % 4 == 2:
                    hits.append(38)  # snare
                if r.random() < 0.1:
                    hits.append(r.choice([45, 47, 49, 51]))
                for n in hits:
                    events += [(t, 'on', n, vel()), (min(t + 0.1, DUR), 'off', n, 0)]
                segs.append((t, min(t + step, DUR)))
                t += step
                i += 1
        return events, segs
    lo, hi = RANGES[cls]
    pool = scale_notes(root, mode, lo, hi)
    for a, b in active_spans(r):
        t = a
        while t < b - 0.05:
            if cls in SUSTAINED:
                length = beat * r.choice([1, 2, 2, 4])
            elif cls == 'bass':
                length = beat * r.choice([0.5, 1, 1])
            else:
                length = beat * r.choice([0.25, 0.5, 0.5, 1])
            off = min(t + length * r.uniform(0.8, 1.0), b)
            k = r.randrange(len(pool))
            chord = [pool[k]]
            if cls in CHORDAL and r.random() < 0.6:
                chord += [pool[j] for j in (k + 2, k + 4) if j < len(pool)]
            for n in chord:
                v = vel()
                events += [(t, 'on', n, v), (off, 'off', n, 0)]
            segs.append((t, off))
            t += length
    return events, segs


def merge(segs, gap=0.25, release=0.15):
    """Sounding spans of an instrument: notes closer than `gap` merged, a short release added."""
    out = []
    for a, b in sorted(segs):
        b = min(DUR, b + release)
        if out and a - out[-1][1] <= gap:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(max(0.01, a), min(DUR, b)) for a, b in out if b - a > 0.05]


def render(job):
    fname, midi, out_dir, soundfont = job
    with tempfile.TemporaryDirectory() as tmp:
        mid = os.path.join(tmp, 'c.mid')
        wav = os.path.join(tmp, 'c.wav')
        with open(mid, 'wb') as f:
            f.write(midi)
        subprocess.run(['fluidsynth', '-ni', '-q', '-g', '0.6', '-r', str(SR), '-F', wav, soundfont, mid], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Mono, exactly 4.000 s (padded if fluidsynth stopped early), peak-normalised to -1 dBFS.
        subprocess.run(['sox', '-V1', wav, '-r', str(SR), '-c', '1', '-b', '16', os.path.join(out_dir, 'audio', f'{fname}.flac'),
                        'remix', '-', 'pad', '0', str(DUR), 'trim', '0', str(DUR), 'gain', '-n', '-1'], check=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', required=True, help='output folder (made; must be empty or absent)')
    p.add_argument('--seed', type=int, required=True)
    p.add_argument('--programs', choices=sorted(PROGRAMS), default='alt')
    p.add_argument('--clips', type=int, default=600)
    p.add_argument('--split', default='420,90,90', help='train,val,test clip counts')
    p.add_argument('--first-name', type=int, default=200000, help='file name (number) of the first clip')
    p.add_argument('--soundfont', default='/usr/share/sounds/sf2/FluidR3_GM.sf2')
    p.add_argument('--jobs', type=int, default=2)
    a = p.parse_args()
    n_train, n_val, n_test = (int(x) for x in a.split.split(','))
    if n_train + n_val + n_test != a.clips:
        sys.exit(f'--split {a.split} does not add up to --clips {a.clips}')
    for tool in ('fluidsynth', 'sox'):
        if not shutil.which(tool):
            sys.exit(f'{tool} not found: apt-get install -y fluidsynth fluid-soundfont-gm sox')
    if not os.path.exists(a.soundfont):
        sys.exit(f'{a.soundfont} not found: apt-get install -y fluid-soundfont-gm')
    if os.path.exists(a.out) and os.listdir(a.out):
        sys.exit(f'{a.out} is not empty')
    os.makedirs(os.path.join(a.out, 'audio'), exist_ok=True)
    r = random.Random(a.seed)
    splits = ['train'] * n_train + ['val'] * n_val + ['test'] * n_test
    r.shuffle(splits)
    rows, events, meta, jobs = [], [], [], []
    for i in range(a.clips):
        fname = str(a.first_name + i)
        k = r.choices([1, 2, 3], weights=[0.28, 0.42, 0.30])[0]
        chosen = r.sample(CLASSES, k)
        bpm = r.randint(72, 152)
        root_pc = r.randrange(12)
        mode = r.choice(sorted(MODES))
        tracks, progs = [], []
        for j, cls in enumerate(chosen):
            program = r.choice(PROGRAMS[a.programs][cls])
            ev, segs = notes_for(cls, r, bpm, root_pc, mode)
            drum = cls == 'drum_kit'
            ch = 9 if drum else j
            tracks.append((ch, program, r.randint(70, 127), ev))
            progs.append(f'{cls}:{program}')
            for on, off in merge(segs):
                events.append((fname, f'{on:.3f}', f'{off:.3f}', cls))
        midi = midi_file(bpm, tracks)
        jobs.append((fname, midi, a.out, a.soundfont))
        rows.append((fname, ','.join(chosen), splits[i]))
        meta.append((fname, k, bpm, f'{ROOTS[root_pc]} {mode}', ';'.join(progs)))
    with ThreadPoolExecutor(a.jobs) as ex:
        for n, _ in enumerate(ex.map(render, jobs), 1):
            if n % 100 == 0:
                print(f'{n}/{a.clips} clips', flush=True)

    def write(name, header, body):
        with open(os.path.join(a.out, name), 'w', newline='') as f:
            w = csv.writer(f, lineterminator='\n')
            w.writerow(header)
            w.writerows(body)
    write('ground_truth.csv', ['fname', 'labels', 'split'], rows)
    write('vocabulary.csv', ['index', 'label'], list(enumerate(CLASSES)))
    write('events.csv', ['fname', 'onset', 'offset', 'label'], events)
    write('clips_meta.csv', ['fname', 'n_instruments', 'bpm', 'key', 'instruments_gm_program'], meta)
    print(f'{a.clips} clips in {a.out} (seed {a.seed}, programs {a.programs})')


if __name__ == '__main__':
    main()
