// The parts of ECharts the app uses, registered once (tree-shaken build), and shared chart options:
// colours that follow the light/dark theme, and settings for live series.
import { use } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { BarChart, HeatmapChart, LineChart, ParallelChart, ScatterChart } from 'echarts/charts'
import {
  BrushComponent,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  ParallelComponent,
  TitleComponent,
  ToolboxComponent,
  TooltipComponent,
  VisualMapComponent
} from 'echarts/components'

use([
  CanvasRenderer,
  BarChart,
  LineChart,
  HeatmapChart,
  ParallelChart,
  ScatterChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  DataZoomComponent,
  TitleComponent,
  VisualMapComponent,
  MarkAreaComponent,
  MarkLineComponent,
  MarkAreaComponent,
  ParallelComponent,
  BrushComponent,
  ToolboxComponent
])

export { default as VChart } from 'vue-echarts'

export interface ChartColors {
  text: string
  soft: string
  grid: string
  accent: string
}

export const LIGHT: ChartColors = { text: '#1d2330', soft: '#5b6475', grid: '#e3e6ec', accent: '#3563e9' }
export const DARK: ChartColors = { text: '#e6e8ec', soft: '#9aa3b2', grid: '#2e333d', accent: '#6d8ff5' }

/** Series colours readable on both backgrounds. */
export const PALETTE = ['#3563e9', '#e8590c', '#2b8a3e', '#c2255c', '#7048e8', '#0c8599', '#e67700', '#5c940d', '#862e9c', '#495057']

/** Axis settings with units in the name, in the theme's colours. */
export function axis(c: ChartColors, name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    nameLocation: 'middle',
    nameGap: 32,
    nameTextStyle: { color: c.soft },
    axisLabel: { color: c.soft },
    axisLine: { lineStyle: { color: c.grid } },
    splitLine: { lineStyle: { color: c.grid } },
    ...extra
  }
}

export function baseOption(c: ChartColors): Record<string, unknown> {
  return {
    animation: false,
    backgroundColor: 'transparent',
    color: PALETTE,
    textStyle: { color: c.text },
    tooltip: { trigger: 'axis', confine: true },
    grid: { left: 64, right: 24, top: 36, bottom: 52, containLabel: false }
  }
}

/** Room under a category axis whose labels are rotated by 40°: about 0.65 of the longest label's width. */
export function rotatedLabelRoom(labels: string[], fontPx = 12): number {
  const longest = Math.max(0, ...labels.map((l) => l.length))
  return Math.min(180, Math.round(longest * fontPx * 0.6 * 0.65) + 24)
}
