// A scrolled container's row window (lib/windowing): follows its scroll position and height.
import { computed, onBeforeUnmount, onMounted, ref, type Ref } from 'vue'
import { rowWindow } from '../lib/windowing'

export function useRowWindow(container: Ref<HTMLElement | undefined>, count: Ref<number>, rowHeight: Ref<number>, headerHeight = 0) {
  const scrollTop = ref(0)
  const viewport = ref(600)
  const onScroll = () => {
    scrollTop.value = container.value?.scrollTop ?? 0
  }
  let resize: ResizeObserver | null = null
  onMounted(() => {
    const el = container.value
    if (!el) return
    el.addEventListener('scroll', onScroll, { passive: true })
    resize = new ResizeObserver(() => (viewport.value = el.clientHeight))
    resize.observe(el)
    viewport.value = el.clientHeight
  })
  onBeforeUnmount(() => {
    container.value?.removeEventListener('scroll', onScroll)
    resize?.disconnect()
  })
  return computed(() => rowWindow(scrollTop.value - headerHeight, viewport.value, rowHeight.value, count.value))
}
