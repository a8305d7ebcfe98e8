// `tagbench features <audio-file> --out file.npy`: the raw AST/Kaldi fbank of one file as float32 [frames, mel],
// for checking our features against Python (numpy.load reads it) or feeding other tools.
import type { Command } from 'commander'
import { loadMono } from '../../engine/audio/decode'
import { astFbank } from '../../engine/audio/fbank'
import { writeNpy } from '../../engine/io/npy'
import { printResult } from '../output'
import { positiveInt } from '../args'

export function registerFeatures(program: Command): void {
  program
    .command('features <audio-file>')
    .description(
      'Write the Kaldi log-mel filterbank of an audio file as float32 .npy [frames, mel] (AST recipe: mean removed, ' +
        'Hann window, 25 ms / 10 ms; raw: not padded, not normalised)'
    )
    .requiredOption('--out <file.npy>', 'where to write the .npy')
    .option('--mel <bins>', 'mel bins', '128')
    .option('--sample-rate <hz>', 'resample to this rate first', '16000')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { out: string; mel: string; sampleRate: string; json?: boolean }) => {
      const melBins = positiveInt(opts.mel, '--mel')
      const sampleRate = positiveInt(opts.sampleRate, '--sample-rate')
      const wave = await loadMono(file, sampleRate)
      const fb = astFbank(wave, melBins, sampleRate)
      writeNpy(opts.out, fb.data, [fb.frames, fb.melBins])
      const result = { file, out: opts.out, frames: fb.frames, melBins: fb.melBins, sampleRate, durationS: wave.length / sampleRate }
      printResult(opts.json, result, () => `${opts.out}: ${fb.frames} frames × ${fb.melBins} mel bins (${result.durationS.toFixed(2)} s at ${sampleRate} Hz)`)
    })
}
