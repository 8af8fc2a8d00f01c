/**
 * One row at a time, for a CPU profile: the bench's rows mix many paths, so a profile of `npm run bench` shows
 * them all at once. This runs one stream or call row in a loop for a few seconds over the same Worker layout,
 * compiled as `npm run bench` runs it:
 *
 *   node --expose-gc --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/run.ts profile yields
 *   node --import tsx bench/top.ts /tmp/prof            # the top self-time entries of each thread
 *
 * Rows: yields | raw (64 per post) | bytes | rawbytes | calls | rr. Any Node works (bench/.node24's too).
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads'
import { createClient, close } from '../src/renderer/index.js'
import type * as BenchApi from './api.js'
import type { Control, RawCommand } from './worker.js'

const row = process.argv[process.argv.length - 1]!
const SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? 4)
const worker = new Worker(new URL('./worker.js', import.meta.url))
const nextMessage = () => new Promise<unknown>((resolve) => worker.once('message', resolve))
await nextMessage() // ready
async function attach(kind: 'sluice' | 'raw' | 'rr'): Promise<MessagePort> {
  const { port1, port2 } = new MessageChannel()
  const attached = nextMessage()
  worker.postMessage({ type: 'attach', kind, port: port1 } satisfies Control, [port1])
  await attached
  return port2
}

const api = createClient<typeof BenchApi>(await attach('sluice'))
const rawPort = await attach('raw')
const rrPort = await attach('rr')

function rawRun(n: number, bytes: boolean): Promise<void> {
  return new Promise((resolve) => {
    let count = 0
    rawPort.removeAllListeners('message')
    rawPort.on('message', (m: unknown[]) => {
      if ((count += m.length) === n) resolve()
    })
    rawPort.postMessage({ cmd: 'flood', n, batch: 64, bytes } satisfies RawCommand)
  })
}
const pending = new Map<number, (r: number) => void>()
let nextId = 0
rrPort.on('message', (m: { id: number; r: number }) => pending.get(m.id)!(m.r))
const rrAdd = (a: number) => new Promise<number>((resolve) => {
  const id = ++nextId
  pending.set(id, (r) => (pending.delete(id), resolve(r)))
  rrPort.postMessage({ id, a, b: 1 })
})
async function calls(add: (i: number) => PromiseLike<number>, total: number): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < total) await add(next++)
  }))
}

const runs: Record<string, () => Promise<unknown>> = {
  yields: async () => { for await (const _ of api.items(60_000)); },
  raw: () => rawRun(60_000, false),
  bytes: async () => { for await (const _ of api.bytes(3000)); },
  rawbytes: () => rawRun(3000, true),
  calls: () => calls((i) => api.add(i, 1), 20_000),
  rr: () => calls(rrAdd, 20_000),
}
const once = runs[row]
if (once === undefined) throw new Error(`bench/profile: unknown row ${row}; one of ${Object.keys(runs).join(', ')}`)
let k = 0
const t0 = performance.now()
while (performance.now() - t0 < SECONDS * 1000) (await once(), k++)
console.log(`bench/profile: ${row} ×${k} in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
close(api)
rawPort.close()
rrPort.close()
await worker.terminate()
