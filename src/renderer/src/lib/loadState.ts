// How a store or panel loads what it shows (datasets, runs, experiments, app info, the feature cache):
// the page shows `error` when a load fails and keeps what it had; `loaded`, where the page has one,
// turns true after the first try either way, so it stops saying "loading" when the engine could not answer.
import type { Ref } from 'vue'
import { messageOf } from './errors'

/** Runs `fetch` (which stores what it got); then clears `error`, or sets it to the failure's message; marks `loaded`, if given, either way. */
export async function loadInto(error: Ref<string | null>, fetch: () => Promise<void>, loaded?: Ref<boolean>): Promise<void> {
  try {
    await fetch()
    error.value = null
  } catch (err) {
    error.value = messageOf(err)
  } finally {
    if (loaded) loaded.value = true
  }
}
