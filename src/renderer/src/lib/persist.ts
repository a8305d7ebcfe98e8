// UI state that survives a reload (selections, grouping, filters, form drafts): a ref mirrored to
// localStorage under a versioned key. A stored value that no longer parses falls back to the default.
import { ref, watch, type Ref } from 'vue'

const PREFIX = 'tagbench.ui.v1.'

export function persisted<T>(key: string, initial: T): Ref<T> {
  let start = initial
  try {
    const raw = localStorage.getItem(PREFIX + key)
    if (raw != null) start = mergeDefaults(initial, JSON.parse(raw))
  } catch {
    // Storage unavailable or a stale value: start from the default.
  }
  const r = ref(start) as Ref<T>
  watch(
    r,
    (v) => {
      try {
        localStorage.setItem(PREFIX + key, JSON.stringify(v))
      } catch {
        // Quota or private mode: the state just does not persist.
      }
    },
    { deep: true }
  )
  return r
}

/** A stored object keeps the fields of today's default that it lacks (a newer app added them). */
function mergeDefaults<T>(initial: T, stored: unknown): T {
  if (initial && typeof initial === 'object' && !Array.isArray(initial) && stored && typeof stored === 'object' && !Array.isArray(stored)) {
    return { ...initial, ...(stored as object) } as T
  }
  if (Array.isArray(initial) !== Array.isArray(stored) || typeof initial !== typeof stored) return initial
  return stored as T
}
