// Whether the OS asks for a dark theme, live: charts and canvases pick their colours from it.
import { computed, ref } from 'vue'
import { DARK, LIGHT, type ChartColors } from '../components/charts/setup'

const query = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null
const dark = ref(query?.matches ?? false)
query?.addEventListener('change', (e) => (dark.value = e.matches))

export function useDark() {
  return dark
}

export function useChartColors() {
  return computed<ChartColors>(() => (dark.value ? DARK : LIGHT))
}
