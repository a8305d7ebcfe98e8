// GPU per parallel training slot: nvidia-smi's list parsed, CUDA_VISIBLE_DEVICES honoured, and one
// GPU per slot only where there are several.
import { describe, expect, it } from 'vitest'
import { gpuEnvForSlot, parseNvidiaSmiList, visibleGpus } from '../../../src/main/engine/platform/gpus'

// `nvidia-smi -L` as a two-GPU machine prints it (UUIDs shortened).
const SMI = ['GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-5d1c2a7e-0000)', 'GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-9b3e4f10-0001)', ''].join('\n')

describe('GPU slots', () => {
  it('parses nvidia-smi -L', () => {
    expect(parseNvidiaSmiList(SMI)).toEqual(['0', '1'])
    expect(parseNvidiaSmiList('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.')).toEqual([])
  })

  it('takes the GPUs the user made visible, in their order', async () => {
    expect(await visibleGpus({ CUDA_VISIBLE_DEVICES: '3, 1' })).toEqual(['3', '1'])
    expect(await visibleGpus({ CUDA_VISIBLE_DEVICES: '' })).toEqual([])
    expect(await visibleGpus({ CUDA_VISIBLE_DEVICES: '-1' })).toEqual([])
  })

  it('gives each slot its own GPU, round-robin, only when there are several', () => {
    expect([0, 1, 2].map((s) => gpuEnvForSlot(s, ['3', '1']))).toEqual([{ CUDA_VISIBLE_DEVICES: '3' }, { CUDA_VISIBLE_DEVICES: '1' }, { CUDA_VISIBLE_DEVICES: '3' }])
    expect(gpuEnvForSlot(1, ['0'])).toEqual({})
    expect(gpuEnvForSlot(0, [])).toEqual({})
  })
})
