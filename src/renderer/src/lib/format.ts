// Number and time formatting shared by the pages, so every table says the same thing the same way.

export function fmtNum(x: number | null | undefined, digits = 3): string {
  if (x == null || !Number.isFinite(x)) return '–'
  return x.toFixed(digits)
}

export function fmtInt(x: number | null | undefined): string {
  return x == null || !Number.isFinite(x) ? '–' : Math.round(x).toLocaleString('en-US')
}

/** 1234567 → "1.23 M", for parameter and token counts. */
export function fmtCount(x: number | null | undefined): string {
  if (x == null || !Number.isFinite(x)) return '–'
  const a = Math.abs(x)
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)} G`
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)} M`
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)} k`
  return String(Math.round(x))
}

/** Seconds as "4.2 s", "3 min 20 s", "2 h 05 min". */
export function fmtSeconds(s: number | null | undefined): string {
  if (s == null || !Number.isFinite(s)) return '–'
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`
  return `${Math.floor(s / 3600)} h ${String(Math.round((s % 3600) / 60)).padStart(2, '0')} min`
}

// One formatter for every date: toLocaleString with options builds a new one per call (a 300-row
// table spent seconds there).
let dateFormat: Intl.DateTimeFormat | null = null
export function fmtDate(iso: string | undefined): string {
  if (!iso) return '–'
  const d = new Date(iso)
  dateFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' })
  return Number.isNaN(d.getTime()) ? iso : dateFormat.format(d)
}
