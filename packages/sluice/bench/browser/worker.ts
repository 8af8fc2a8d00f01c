/**
 * The browser bench's producer: a dedicated Web Worker with a sluice host, and the raw producer for the same
 * items. The page attaches each DOM MessagePort it transfers here as a sluice peer or as a raw port.
 */
import { createHost } from '../../src/main/index.js'
import { add, item, items, type Item } from '../api.js'
import type { Attach, RawFlood } from './protocol.js'

// An explicit object rather than `import * as`: a bundler's namespace object need not look like a module to the host.
// BENCH_MAX_WINDOW (a diagnostic knob, as in ../knobs.ts) arrives as ?maxWindow=: the host must allow that much credit.
const maxWindow = Number(new URLSearchParams(self.location.search).get('maxWindow')) || undefined
const host = createHost({ items, add }, maxWindow === undefined ? {} : { limits: { maxCredit: maxWindow } })

/** A macrotask turn, as setImmediate gives in Node; setTimeout would clamp to 4 ms after a few nestings. */
const turns: (() => void)[] = []
const tick = new MessageChannel()
tick.port1.onmessage = () => turns.shift()?.()
const nextTurn = (fn: () => void) => {
  turns.push(fn)
  tick.port2.postMessage(0)
}

/**
 * The raw producer: one array of `batch` items per post, no flow control: the page's queue is unbounded. By
 * default it posts in one synchronous loop, as fast as a worker can post; BENCH_RAW_TURNS=1 gives its event
 * loop a turn between posts instead (as the Node bench's raw producer does, and as sluice's host does between
 * flushes). Measured here, both reach about the same rate; the synchronous loop floods the page harder.
 */
function flood(port: MessagePort, { n, batch, turns }: RawFlood): void {
  let i = 0
  const post = () => {
    const stop = Math.min(n, i + batch)
    const out: Item[] = []
    for (; i < stop; i++) out.push(item(i))
    port.postMessage(out)
  }
  if (!turns) while (i < n) post()
  else {
    const turn = () => {
      post()
      if (i < n) nextTurn(turn)
    }
    turn()
  }
}

self.onmessage = (e: MessageEvent<Attach>) => {
  const port = e.ports[0]!
  if (e.data.kind === 'sluice') host.connect(port, { bench: true })
  else port.onmessage = (m: MessageEvent<RawFlood>) => flood(port, m.data)
}
self.postMessage('ready')
