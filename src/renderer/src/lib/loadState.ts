// How a store loads what a page lists (datasets, runs, experiments): the page shows `error` when a
// load fails and keeps what it had, and `loaded` turns true after the first try either way, so the
// page stops saying "loading" even when the engine could not answer.
import type { Ref } from 'vue'
import { messageOf } from './errors'

/** Runs `fetch` (which stores what it got); then clears `error`, or sets it to the failure's message; marks `loaded` either way. */
export async function loadInto(error: Ref<string | null>, loaded: Ref<boolean>, fetch: () => Promise<void>): Promise<void> {
  try {
    await fetch()
    error.value = null
  } catch (err) {
    error.value = messageOf(err)
  } finally {
    loaded.value = true
  }
}
