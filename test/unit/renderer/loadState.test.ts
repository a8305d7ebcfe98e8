// loadInto, the stores' shared load (datasets, runs, experiments): a failed load shows its message and
// keeps what the page had; the next good load clears the message; `loaded` is set after either.
import { describe, expect, it } from 'vitest'
import { ref } from 'vue'
import { loadInto } from '../../../src/renderer/src/lib/loadState'

describe('loadInto', () => {
  it('keeps the list and shows the message when a load fails, then clears it on the next good load', async () => {
    const list = ref<string[]>(['a'])
    const error = ref<string | null>(null)
    const loaded = ref(false)
    await loadInto(error, loaded, async () => {
      throw new Error('runs folder /x is not readable')
    })
    expect([list.value, error.value, loaded.value]).toEqual([['a'], 'runs folder /x is not readable', true])
    await loadInto(error, loaded, async () => {
      list.value = ['a', 'b']
    })
    expect([list.value, error.value, loaded.value]).toEqual([['a', 'b'], null, true])
  })

  it('marks loaded only once the fetch has settled', async () => {
    const error = ref<string | null>('old')
    const loaded = ref(false)
    let release = (): void => {}
    const done = loadInto(error, loaded, () => new Promise<void>((r) => (release = r)))
    await Promise.resolve()
    expect([error.value, loaded.value]).toEqual(['old', false])
    release()
    await done
    expect([error.value, loaded.value]).toEqual([null, true])
  })
})
