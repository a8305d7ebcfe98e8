// The checks that keep server mode safe on a shared or tunnelled machine: a random token (as
// Jupyter does), Host and Origin checks against DNS rebinding and cross-site requests, and static
// paths confined to the built renderer.
import crypto from 'node:crypto'
import os from 'node:os'
import path from 'node:path'

export const newToken = (): string => crypto.randomBytes(24).toString('hex')

/** What the machine calls itself: its host name and the addresses of its network interfaces. */
export interface MachineNames {
  hostname: string
  addresses: string[]
}

export function machineNames(): MachineNames {
  const addresses = Object.values(os.networkInterfaces())
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => !!a)
    .map((a) => a.address)
  return { hostname: os.hostname(), addresses }
}

// An IPv6 zone (fe80::1%eth0) never appears in a Host header: browsers drop it.
const hostForm = (name: string): string => {
  const bare = name.replace(/%.*$/, '')
  return (bare.includes(':') ? `[${bare}]` : bare).toLowerCase()
}

/**
 * Hosts a browser may use to reach us: loopback names, plus the --host the user asked for. Bound to
 * every interface (0.0.0.0 or ::), that is each of the machine's own addresses and its host name
 * (with and without .local), so another machine can use the URL; any other name is still refused
 * (DNS rebinding points a foreign name at us).
 */
export function allowedHosts(bindHost: string, port: number, machine: MachineNames = machineNames()): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]'])
  if (bindHost !== '0.0.0.0' && bindHost !== '::') names.add(hostForm(bindHost))
  else {
    for (const a of machine.addresses) names.add(hostForm(a))
    if (machine.hostname) {
      const h = machine.hostname.toLowerCase()
      names.add(h)
      names.add(h.endsWith('.local') ? h.slice(0, -'.local'.length) : `${h}.local`)
    }
  }
  return new Set([...names].map((n) => `${n}:${port}`))
}

export function hostAllowed(hostHeader: string | undefined, allowed: Set<string>): boolean {
  return !!hostHeader && allowed.has(hostHeader.toLowerCase())
}

/** A missing Origin is a non-browser client (curl, tests); a present one must be our own page. */
export function originAllowed(origin: string | undefined, allowed: Set<string>): boolean {
  if (origin === undefined) return true
  try {
    const url = new URL(origin)
    return url.protocol === 'http:' && allowed.has(url.host.toLowerCase())
  } catch {
    return false
  }
}

export function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && crypto.timingSafeEqual(a, b)
}

/** Maps a URL path to a file under root, or null when it would leave root (../, encoded or not). */
export function staticPath(root: string, urlPath: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0])
  } catch {
    return null
  }
  if (decoded.includes('\0')) return null
  const rel = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '')
  const resolved = path.resolve(root, rel)
  return resolved === root || resolved.startsWith(root + path.sep) ? resolved : null
}
