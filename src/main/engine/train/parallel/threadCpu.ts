// CPU time of the calling thread (main or worker), so that a benchmark on a shared machine can tell
// the work a thread did from the time it waited for a core. process.cpuUsage() sums all threads.
import fs from 'node:fs'

/** Seconds of CPU (user + system) used by this thread so far, from Linux's /proc/thread-self/stat; null elsewhere. */
export function threadCpuSeconds(): number | null {
  try {
    const stat = fs.readFileSync('/proc/thread-self/stat', 'utf8')
    // Fields after the command name (which may hold spaces, inside parentheses); utime and stime are
    // fields 14 and 15 of the whole line, in clock ticks (100 per second on Linux).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(rest[11]) + Number(rest[12])) / 100
  } catch {
    return null
  }
}
