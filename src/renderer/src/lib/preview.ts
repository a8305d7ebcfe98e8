// Facts about a clip preview the views share.
import type { ClipPreview } from '@shared/api'

/** Seconds of audio the preview holds: its 16-bit WAV's data size (a long file is previewed from its start). */
export function previewSeconds(p: Pick<ClipPreview, 'wavBase64' | 'sampleRate'>): number {
  const b64 = p.wavBase64
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0
  const bytes = Math.floor((b64.length * 3) / 4) - pad - 44
  return Math.max(0, bytes / 2 / p.sampleRate)
}
