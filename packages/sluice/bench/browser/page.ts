/**
 * The browser bench's consumer, in a real Chromium page: `for await` over a sluice stream from the Worker (with
 * and without `pace: 'animation-frame'`), and the raw count of the same items. While each run goes on, a
 * requestAnimationFrame loop records frame times: a page that cannot draw shows it as a low fps and long gaps.
 */
import { createClient } from '../../src/renderer/index.js'
import type * as BenchApi from '../api.js'
import type { Attach, BrowserRow, PageBench, RawFlood, RunOptions, RunResult } from './protocol.js'

type Api = Pick<typeof BenchApi, 'items' | 'add'>

// BENCH_MAX_WINDOW (a diagnostic knob, as in ../knobs.ts) arrives as ?maxWindow=, for the worker too.
const maxWindow = Number(new URLSearchParams(location.search).get('maxWindow')) || undefined
const flow = maxWindow === undefined ? {} : { flow: { maxWindow } }
const worker = new Worker(new URL(`./worker.js${location.search}`, import.meta.url), { type: 'module' })
await new Promise<void>((resolve, reject) => {
  worker.onmessage = () => resolve()
  worker.onerror = (e) => reject(new Error(`worker: ${e.message}`))
})

function attach(kind: Attach['kind']): MessagePort {
  const { port1, port2 } = new MessageChannel()
  worker.postMessage({ kind } satisfies Attach, [port2])
  return port1
}

/** Counts the host's posts that carried items, through a second listener on the port (public API only). */
function postSpy(port: MessagePort) {
  let posts = 0
  let carried = 0
  port.addEventListener('message', (e: MessageEvent) => {
    let n = 0
    if (Array.isArray(e.data)) for (const f of e.data as { t?: string; items?: unknown[] }[]) if (f?.t === 'ref-push') n += f.items!.length
    if (n > 0) (posts++, (carried += n))
  })
  return {
    reset: () => void (posts = carried = 0),
    perPost: () => (posts === 0 ? 0 : carried / posts),
  }
}

// One connection per pacing, each on its own port, both to the same host.
const sluicePort = attach('sluice')
const pacedPort = attach('sluice')
const spies = { sluice: postSpy(sluicePort), paced: postSpy(pacedPort) }
const clients = { sluice: createClient<Api>(sluicePort, flow), paced: createClient<Api>(pacedPort, { ...flow, pace: 'animation-frame' }) }
const rawPort = attach('raw')

/** Records animation frames from now until `stop()`. */
function frames() {
  const start = performance.now()
  const stamps: number[] = []
  let on = true
  const loop = (t: number) => {
    if (!on) return
    stamps.push(t)
    requestAnimationFrame(loop)
  }
  requestAnimationFrame(loop)
  return () => {
    on = false
    const end = performance.now()
    // The edges count too: a page frozen from the start, or at the end, drew no frame to mark it.
    const edges = [start, ...stamps.filter((t) => t >= start && t <= end), end]
    let maxGap = 0
    for (let k = 1; k < edges.length; k++) maxGap = Math.max(maxGap, edges[k]! - edges[k - 1]!)
    return { fps: (edges.length - 2) / ((end - start) / 1000), maxGap, ms: end - start }
  }
}

function check(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`bench: ${what}: got ${got}, expected ${want}`)
}

async function sluice(client: (typeof clients)['sluice'], n: number): Promise<void> {
  let count = 0
  let sum = 0
  const call = client.items(n)
  for await (const x of call) {
    count++
    sum += x.i
  }
  check('sluice items', count, n)
  check('sluice sum', sum, (n * (n - 1)) / 2)
  check('sluice return', await call, n)
}

let rawPosts = 0
function raw(n: number, turns: boolean): Promise<void> {
  rawPosts = 0
  return new Promise((resolve) => {
    let count = 0
    let sum = 0
    rawPort.onmessage = (e: MessageEvent<{ i: number }[]>) => {
      rawPosts++
      for (const x of e.data) sum += x.i
      count += e.data.length
      if (count === n) {
        check('raw sum', sum, (n * (n - 1)) / 2)
        resolve()
      }
    }
    rawPort.postMessage({ n, batch: 64, turns } satisfies RawFlood)
  })
}

const bench: PageBench = {
  async run(row: BrowserRow, n: number, options: RunOptions): Promise<RunResult> {
    if (row === 'sluice' || row === 'paced') spies[row].reset()
    const stop = frames()
    const t0 = performance.now()
    if (row === 'idle') await new Promise((r) => setTimeout(r, 500))
    else if (row === 'raw') await raw(n, options.rawTurns)
    else await sluice(clients[row], n)
    const ms = performance.now() - t0
    const f = stop()
    const perPost = row === 'idle' ? 0 : row === 'raw' ? n / rawPosts : spies[row].perPost()
    return { rate: row === 'idle' ? 0 : n / (ms / 1000), fps: f.fps, maxGap: f.maxGap, perPost }
  },
}
;(globalThis as { bench?: PageBench }).bench = bench
