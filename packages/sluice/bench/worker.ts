/**
 * The producer thread. Everything that produces or serves lives here; the consumer is the main thread.
 * The main thread hands over one MessageChannel port per mechanism (over `parentPort`):
 * - `sluice`:  a sluice connection to a host serving ./api.ts;
 * - `raw`:     hand-written producers (flood 1 or 64 per post, credit-windowed, timer ticks) for the same items;
 * - `rr`:      a minimal hand-written request/response server for `add`;
 * - `comlink`: comlink's `expose` of `add`, over its node adapter.
 */
import { getHeapStatistics } from 'node:v8'
import { parentPort, type MessagePort } from 'node:worker_threads'
import type { Chunk, Item } from './api.js'
import { hostOptions, patchWorkerGlobals } from './knobs.js'

// sluice is loaded after the diagnostic patches (if any), hence the dynamic import.
patchWorkerGlobals()
const { createHost } = await import('../src/main/index.js')
const api = await import('./api.js')
const { Comlink, nodeEndpoint } = await import('./comlink.js')

export type Control =
  | { type: 'attach'; kind: 'sluice' | 'raw' | 'rr' | 'comlink'; port: MessagePort }
  | { type: 'gc' }
  | { type: 'clock' }
  | { type: 'stats' }

/** The worker's answer to `stats`: what the host still holds, the generators still open, this isolate's heap. */
export interface WorkerStats {
  type: 'stats'
  host: { calls: number; streams: number; refs: number }
  endless: { now: number; started: number }
  heap: number
}

/** Commands the main thread sends on the `raw` port, and the acks it sends back during a credit run. */
export type RawCommand =
  | { cmd: 'flood'; n: number; batch: number; bytes?: boolean }
  | { cmd: 'credit'; n: number; credit: number }
  | { cmd: 'ticks'; n: number; everyMs: number }
  | { ack: number }

const host = createHost(api, hostOptions)
const gc = (globalThis as { gc?: () => void }).gc

parentPort!.on('message', (msg: Control) => {
  switch (msg.type) {
    case 'attach':
      if (msg.kind === 'sluice') host.connect(msg.port, { bench: true })
      else if (msg.kind === 'raw') serveRaw(msg.port)
      else if (msg.kind === 'rr') serveRequestResponse(msg.port)
      else Comlink.expose({ add: api.add }, nodeEndpoint(msg.port))
      parentPort!.postMessage({ type: 'attached', kind: msg.kind })
      return
    case 'gc':
      gc?.()
      parentPort!.postMessage({ type: 'gc' })
      return
    case 'clock':
      parentPort!.postMessage({ type: 'clock', t: api.now() })
      return
    case 'stats': {
      const { calls, streams, refs } = host.stats()
      const reply: WorkerStats = { type: 'stats', host: { calls, streams, refs }, endless: api.endlessCounts(), heap: getHeapStatistics().used_heap_size }
      parentPort!.postMessage(reply)
      return
    }
  }
})

/**
 * Raw producers. Like a real producer they give the event loop a turn every 64 items (setImmediate), which is
 * also what sluice's per-task flush amounts to; posting is otherwise as cheap as it gets.
 */
function serveRaw(port: MessagePort): void {
  let onAck: ((n: number) => void) | undefined
  port.on('message', (m: RawCommand) => {
    if ('ack' in m) return onAck?.(m.ack)
    if (m.cmd === 'flood') flood(port, m.n, m.batch, m.bytes ? api.chunk : api.item)
    else if (m.cmd === 'credit') onAck = windowed(port, m.n, m.credit)
    else ticks(port, m.n, m.everyMs)
  })
}

function flood(port: MessagePort, n: number, batch: number, make: (i: number) => Item | Chunk): void {
  let i = 0
  const turn = () => {
    const end = Math.min(n, i + 64)
    if (batch === 1) {
      for (; i < end; i++) port.postMessage(make(i))
    } else {
      while (i < end) {
        const stop = Math.min(end, i + batch)
        const out: (Item | Chunk)[] = []
        for (; i < stop; i++) out.push(make(i))
        port.postMessage(out)
      }
    }
    if (i < n) setImmediate(turn)
  }
  turn()
}

/** 64 per post, but never more than `credit` items unacknowledged: sluice's flow control, by hand. */
function windowed(port: MessagePort, n: number, credit: number): (n: number) => void {
  let i = 0
  const pump = () => {
    while (credit > 0 && i < n) {
      const stop = Math.min(n, i + Math.min(64, credit))
      const out: Item[] = []
      for (; i < stop; i++) out.push(api.item(i))
      credit -= out.length
      port.postMessage(out)
    }
  }
  pump()
  return (acked) => {
    credit += acked
    pump()
  }
}

function ticks(port: MessagePort, n: number, everyMs: number): void {
  let i = 0
  const tick = () => {
    port.postMessage({ i, ts: api.now() })
    if (++i < n) setTimeout(tick, everyMs)
  }
  setTimeout(tick, everyMs)
}

/** The minimal request/response: one post per request, one per response, a numeric id to match them. */
function serveRequestResponse(port: MessagePort): void {
  port.on('message', async (m: { id: number; a: number; b: number }) => {
    port.postMessage({ id: m.id, r: await api.add(m.a, m.b) })
  })
}

parentPort!.postMessage({ type: 'ready' })
