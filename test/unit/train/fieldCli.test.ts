// `tagbench train`'s run-config options come from the field table: every flag it had before the table
// is still there with its help, every table field with a flag is an option, and each flag sets its field.
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { registerTrain, requestFromFlags, runConfigOptions } from '../../../src/main/cli/commands/train'
import { FIELDS } from '../../../src/shared/runConfigFields'

// The flags of `tagbench train` before the field table (commit 785ce97), written out by hand.
const FLAGS_BEFORE = ('--dataset --model --pretrained --preset --name --fstride --tstride --depth --target-length --mel-bins --epochs --batch --lr --optimizer --weight-decay ' +
  '--warmup --schedule --loss --no-spec-augment --freqm --timem --mixup --dropout --drop-path --label-smoothing --focal-gamma --focal-alpha --balanced --frozen ' +
  '--grad-accum --clip-norm --patience --checkpoint-every --keep-checkpoints --fold --seed --threads --engine --frame-head --window --hop --label-rate ' +
  '--event-ratio --frame-loss --frame-smoothing --json').split(' ')

function trainHelp(): string {
  const program = new Command()
  registerTrain(program)
  const train = program.commands.find((c) => c.name() === 'train')!
  return train.helpInformation()
}

describe('tagbench train options from the field table', () => {
  it('keeps every flag it had, each listed in --help', () => {
    const help = trainHelp()
    for (const flag of FLAGS_BEFORE) expect(help, flag).toMatch(new RegExp(`(^|\\s)${flag}(\\s|,|$)`, 'm'))
  })

  it("lists every table field that has a flag, with the table's help", () => {
    const help = trainHelp().replace(/\s+/g, ' ')
    const withFlags = FIELDS.filter((f) => f.cli)
    expect(withFlags.length).toBeGreaterThan(40)
    for (const f of withFlags) {
      expect(help, f.key).toContain(f.cli!.flags)
      // commander wraps long help over lines: compare with the whitespace folded.
      expect(help, f.key).toContain((f.cli!.help ?? f.help).replace(/\s+/g, ' ').slice(0, 40))
    }
  })

  it('maps each flag to its field, numbers parsed, --no-spec-augment and switches as before', () => {
    const options = runConfigOptions()
    const program = new Command().exitOverride()
    for (const { option } of options) program.addOption(option)
    program.parse(
      ['--batch', '4', '--warmup', '3', '--no-spec-augment', '--balanced', '--patience', '2', '--checkpoint-every', '50', '--hop', '1.5', '--label-rate', '30', '--lr', '1e-3', '--schedule', 'step', '--frame-head', '--frame-loss', 'focal', '--engine', 'tfjs', '--name', 'x'],
      { from: 'user' }
    )
    expect(requestFromFlags(program.opts(), options)).toStrictEqual({
      batchSize: 4,
      warmupSteps: 3,
      specAugment: false,
      balancedSampling: true,
      earlyStopPatience: 2,
      checkpointEverySteps: 50,
      windowHopS: 1.5,
      frameRate: 30,
      lr: 1e-3,
      schedule: 'step',
      frameHead: true,
      frameLoss: 'focal',
      engine: 'tfjs',
      name: 'x'
    })
    // No flags: nothing is sent (the engine's defaults apply), SpecAugment included.
    const bare = new Command().exitOverride()
    for (const { option } of options) bare.addOption(option)
    bare.parse([], { from: 'user' })
    expect(requestFromFlags(bare.opts(), options)).toStrictEqual({})
    expect(() => bare.parse(['--batch', 'many'], { from: 'user' })).toThrow(/--batch must be a number, got "many"/)
  })
})
