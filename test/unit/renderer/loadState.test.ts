// loadInto, the stores' shared load (datasets, runs, experiments): a failed load shows its message and
// keeps what the page had; the next good load clears the message; `loaded`, if given, is set after either.
import { describe, expect, it } from 'vitest'
import { ref } from 'vue'
import { loadInto } from '../../../src/renderer/src/lib/loadState'

describe('loadInto', () => {
  it('keeps the list and shows the message when a load fails, then clears it on the next good load', async () => {
    const list = ref<string[]>(['a'])
    const error = ref<string | null>(null)
    const loaded = ref(false)
    await loadInto(
      error,
      async () => {
        throw new Error('runs folder /x is not readable')
      },
      loaded
    )
    expect([list.value, error.value, loaded.value]).toEqual([['a'], 'runs folder /x is not readable', true])
    await loadInto(
      error,
      async () => {
        list.value = ['a', 'b']
      },
      loaded
    )
    expect([list.value, error.value, loaded.value]).toEqual([['a', 'b'], null, true])
  })

  it('marks loaded only once the fetch has settled', async () => {
    const error = ref<string | null>('old')
    const loaded = ref(false)
    let release = (): void => {}
    const done = loadInto(error, () => new Promise<void>((r) => (release = r)), loaded)
    await Promise.resolve()
    expect([error.value, loaded.value]).toEqual(['old', false])
    release()
    await done
    expect([error.value, loaded.value]).toEqual([null, true])
  })

  it('works without a loaded flag (app info, the feature cache)', async () => {
    const error = ref<string | null>(null)
    await loadInto(error, async () => {
      throw 'engine gone'
    })
    expect(error.value).toBe('engine gone')
  })
})
