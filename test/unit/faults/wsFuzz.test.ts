// WebSocket fuzzer: seeded random and malformed frames (not JSON, bad UTF-8, null, wrong id types,
// inherited method names, wrong parameter types, oversize frames) against a loopback server. It
// asserts the server never crashes, answers every frame exactly once, with the frame's id when it
// has one, and still serves requests afterwards. Bounded count, loopback only, no training.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import http from 'node:http'
import WebSocket from 'ws'
import { startServer, type RunningServer } from '../../../src/main/server/server'
import { API_METHODS } from '../../../src/shared/api'
import { makeRng, type Rng } from '../../../src/main/engine/util/rng'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-fuzz-'))
const rendererDir = path.join(root, 'renderer')
fs.mkdirSync(rendererDir)
fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Tagbench</title>')
const MAX_FRAME = 256 * 1024
let server: RunningServer

beforeAll(async () => {
  process.env.TAGBENCH_DATA_DIR = path.join(root, 'data')
  server = await startServer({ rendererDir, port: 0, maxFrameBytes: MAX_FRAME })
})
afterAll(async () => {
  await server.close()
  fs.rmSync(root, { recursive: true, force: true })
})

const open = (): Promise<WebSocket> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`)
    ws.on('open', () => resolve(ws))
    ws.on('error', reject)
  })

/** Methods whose valid parameters would start work (jobs, files): fuzzed with wrong types only. */
const ACTIVE = new Set(['app.info', 'dataset.import', 'run.start', 'experiment.start', 'run.exportOnnx', 'tag.run', 'cache.clear', 'cache.prune', 'model.estimate', 'experiment.resume', 'run.resume'])
const STRANGE_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'prototype', '', 'run.get.x', 'RUN.LIST', 'a'.repeat(5000)]

function randomValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 7 : 9)) {
    case 0: return null
    case 1: return rng.next() < 0.5
    case 2: return Math.floor((rng.next() - 0.5) * 1e6)
    case 3: return [NaN, Infinity, -0, 1e308, -1][rng.int(5)]
    case 4: return 'x'.repeat(rng.int(20))
    case 5: return ['../../etc/passwd', '\u0000', '💥', 'constructor', '__proto__'][rng.int(5)]
    case 6: return undefined
    case 7: return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1))
    default: {
      const keys = ['id', 'path', 'folder', 'runId', 'jobId', 'since', 'format', 'dataset', 'kind', 'paths', 'model', '__proto__', 'constructor']
      return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [keys[rng.int(keys.length)], randomValue(rng, depth + 1)]))
    }
  }
}

/** Params that are wrong for every method: a wrong type where an object (or nothing) is due. */
function wrongParams(rng: Rng): unknown {
  return [5, 'params', [1, 2], true, { id: 7 }, { id: [] }, { dataset: 9, epochs: 'many' }, { runId: {} }, { folder: 3 }, { paths: 'a.wav', model: 1 }][rng.int(10)]
}

interface Sent {
  /** The id the reply must carry (null: the frame has none usable). */
  id: number | null
  /** Whether the reply must be an error. */
  mustFail: boolean
  what: string
}

function randomFrame(rng: Rng, n: number): { data: string | Buffer; sent: Sent } {
  const id = 1000 + n
  switch (rng.int(8)) {
    case 0: {
      const text = ['null', 'true', '42', '"run.list"', '[]', '{', '}', 'undefined', '', '{"id":', 'NaN'][rng.int(11)]
      return { data: text, sent: { id: null, mustFail: true, what: `not a request: ${text}` } }
    }
    case 1: {
      // Invalid UTF-8 in a text frame (a lone continuation byte, an overlong form, a cut sequence).
      const bad = [Buffer.from([0x80]), Buffer.from([0xc0, 0xaf]), Buffer.from('{"id":1,"method":"run.list"}\xe2', 'latin1'), Buffer.from([0xed, 0xa0, 0x80])][rng.int(4)]
      return { data: bad, sent: { id: null, mustFail: true, what: 'invalid UTF-8' } }
    }
    case 2: {
      const badId = [null, '7', [], {}, true, Infinity][rng.int(6)]
      return { data: JSON.stringify({ id: badId, method: 'run.list' }), sent: { id: null, mustFail: true, what: `id ${String(badId)}` } }
    }
    case 3: {
      const method = STRANGE_NAMES[rng.int(STRANGE_NAMES.length)]
      return { data: JSON.stringify({ id, method, params: randomValue(rng) }), sent: { id, mustFail: true, what: `method ${method.slice(0, 20)}` } }
    }
    case 4: {
      const method = randomValue(rng)
      return { data: JSON.stringify({ id, method, params: {} }), sent: { id, mustFail: true, what: `method of type ${typeof method}` } }
    }
    case 5: {
      // A real method with wrong parameter types.
      const method = API_METHODS[rng.int(API_METHODS.length)]
      return { data: JSON.stringify({ id, method, params: wrongParams(rng) }), sent: { id, mustFail: true, what: `${method} with wrong types` } }
    }
    default: {
      // A real, harmless method with random params: any outcome, but one reply with its id.
      const quiet = API_METHODS.filter((m) => !ACTIVE.has(m))
      const method = quiet[rng.int(quiet.length)]
      return { data: JSON.stringify({ id, method, params: randomValue(rng) }), sent: { id, mustFail: false, what: `${method} random` } }
    }
  }
}

/** Send frames one at a time and collect each one's reply (replies to id-less frames come in order). */
async function exchange(ws: WebSocket, frames: { data: string | Buffer; sent: Sent }[]): Promise<{ sent: Sent; reply: any }[]> {
  const out: { sent: Sent; reply: any }[] = []
  for (const f of frames) {
    const reply = await new Promise<any>((resolve, reject) => {
      const onClose = () => reject(new Error(`socket closed after ${f.sent.what}`))
      const onMessage = (data: WebSocket.RawData) => {
        const frame = JSON.parse(data.toString())
        if ('event' in frame) return
        ws.off('message', onMessage).off('close', onClose)
        resolve(frame)
      }
      ws.on('message', onMessage).on('close', onClose)
      ws.send(f.data, { binary: false })
    })
    out.push({ sent: f.sent, reply })
  }
  return out
}

const httpOk = (): Promise<number> =>
  new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: server.port, path: '/', headers: { host: `127.0.0.1:${server.port}` } }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    }).on('error', reject)
  })

export const fuzzCounts = { frames: 0, oversize: 0, serverCrashes: 0 }

describe('WebSocket fuzzer', () => {
  it('answers 600 seeded random and malformed frames, each with its id when it has one, and stays up', async () => {
    const rng = makeRng(20)
    const ws = await open()
    const frames = Array.from({ length: 600 }, (_, n) => randomFrame(rng, n))
    const results = await exchange(ws, frames)
    for (const { sent, reply } of results) {
      expect(reply.id, sent.what).toBe(sent.id)
      if (sent.mustFail) {
        expect(reply.ok, sent.what).toBe(false)
        expect(typeof reply.error.message, sent.what).toBe('string')
        // A user-facing message, never an internal TypeError.
        expect(reply.error.message, sent.what).not.toMatch(/is not a function|Cannot read properties|undefined \(reading/)
      }
    }
    fuzzCounts.frames += results.length
    ws.close()
    expect(await httpOk()).toBe(200)
  })

  it('names the bad parameter: "run.get: id must be a string"', async () => {
    const ws = await open()
    const [r1, r2, r3, r4] = await exchange(ws, [
      { data: JSON.stringify({ id: 1, method: 'run.get', params: { id: 5 } }), sent: { id: 1, mustFail: true, what: '' } },
      { data: JSON.stringify({ id: 2, method: 'constructor', params: {} }), sent: { id: 2, mustFail: true, what: '' } },
      { data: 'null', sent: { id: null, mustFail: true, what: '' } },
      { data: JSON.stringify({ id: 4, method: 'run.start', params: { dataset: 'x', learning_rate: 0.1 } }), sent: { id: 4, mustFail: true, what: '' } }
    ])
    expect(r1.reply.error.message).toBe('run.get: id must be a non-empty string, got number 5')
    expect(r1.reply.error.code).toBe('bad-params')
    expect(r2.reply.error.message).toBe("Unknown request 'constructor'")
    expect(r3.reply).toMatchObject({ id: null, ok: false })
    expect(r4.reply.error.message).toMatch(/run\.start: unknown field "learning_rate"/)
    fuzzCounts.frames += 4
    ws.close()
  })

  it('closes only the socket of an oversize frame; the server and other sockets go on', async () => {
    const bystander = await open()
    for (const size of [MAX_FRAME + 1, 4 * MAX_FRAME]) {
      const ws = await open()
      const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
      ws.on('error', () => undefined)
      ws.send(JSON.stringify({ id: 1, method: 'run.list', params: { pad: 'x'.repeat(size) } }))
      expect(await closed).toBe(1009)
      fuzzCounts.oversize++
    }
    // Just under the limit: an ordinary error reply with the id.
    const [under] = await exchange(bystander, [
      { data: JSON.stringify({ id: 9, method: 'run.list', params: { pad: 'x'.repeat(MAX_FRAME - 100) } }), sent: { id: 9, mustFail: true, what: 'big' } }
    ])
    expect(under.reply).toMatchObject({ id: 9, ok: false })
    const [list] = await exchange(bystander, [{ data: JSON.stringify({ id: 10, method: 'run.list' }), sent: { id: 10, mustFail: false, what: '' } }])
    expect(list.reply).toMatchObject({ id: 10, ok: true, result: [] })
    fuzzCounts.frames += 2 + fuzzCounts.oversize
    bystander.close()
    expect(await httpOk()).toBe(200)
    // Reported in the test log: the closing note quotes these counts.
    console.log(`WebSocket fuzzer: ${fuzzCounts.frames} frames (${fuzzCounts.oversize} oversize), server crashes: ${fuzzCounts.serverCrashes}`)
  })
})
