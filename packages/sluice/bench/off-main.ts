/**
 * Off-main hosting (issue 11): what moving the api out of main buys main, and what it costs the streams.
 *
 *   node --expose-gc --import tsx bench/off-main.ts          (from packages/sluice)
 *
 * Four client threads stand in for four windows' renderers. The same api (bench/api.ts, `items(n)`: small
 * objects as fast as credit allows) is served either by a host in the main thread (`createHost(api)`, as
 * `serve(api)` does in Electron) or by a host in a worker thread (`serveWorker(api)`, reached through
 * `workerHost(worker)`, with each client's port transferred to it, as `utilityHost()` transfers a renderer's
 * port to a utility process). Main's event-loop delay is sampled with perf_hooks.monitorEventLoopDelay the
 * whole time. Each round measures, back to back:
 * - idle: nothing streams;
 * - load, in main: the four clients stream at full speed from the main-thread host;
 * - load, off main: the same from the worker host;
 * - throughput, one client, from each host.
 * Rows are medians over the rounds; ratios are medians of per-round ratios. Compare ratios, not absolutes: the
 * VM has 2 cores, so 4 clients + a host + main share them (which weighs on the off-main side: main's timer
 * wakeups wait for a core).
 *
 * Targets: main's p99 delay under the off-main load within 2x its idle p99; one client's throughput from the
 * worker host at least 0.9x its throughput from the main-thread host.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { isMainThread, MessageChannel, type MessagePort, parentPort, Worker, workerData } from 'node:worker_threads'

const ROUNDS = Number(process.env.OFF_MAIN_ROUNDS ?? 5)
const CLIENTS = 4
const LOAD_ITEMS = Number(process.env.OFF_MAIN_LOAD ?? 100_000) // per client, per load phase
const SOLO_ITEMS = Number(process.env.OFF_MAIN_SOLO ?? 200_000)
const IDLE_MS = 1000

type Role = { role: 'client' } | { role: 'host' }
type ClientCommand = { type: 'port'; key: string; port: MessagePort } | { type: 'run'; key: string; n: number; id: number }

// ---------------------------------------------------------------------------------------------------------------
// Worker roles
// ---------------------------------------------------------------------------------------------------------------

if (!isMainThread) {
  const { role } = workerData as Role
  if (role === 'host') {
    const { serveWorker } = await import('../src/main/index.js')
    serveWorker(await import('./api.js'))
  } else {
    const { createClient } = await import('../src/renderer/index.js')
    type Api = typeof import('./api.js')
    const clients = new Map<string, ReturnType<typeof createClient<Api>>>()
    parentPort!.on('message', async (m: ClientCommand) => {
      if (m.type === 'port') {
        clients.set(m.key, createClient<Api>(m.port))
        return
      }
      const api = clients.get(m.key)!
      const t0 = performance.now()
      let count = 0
      for await (const _ of api.items(m.n)) count++
      parentPort!.postMessage({ id: m.id, count, ms: performance.now() - t0 })
    })
    parentPort!.postMessage({ ready: true })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Main thread
// ---------------------------------------------------------------------------------------------------------------

/** A worker thread running this file under tsx (Node 20 does not carry `--import tsx` into workers). */
function spawn(role: Role): Worker {
  const tsx = import.meta.resolve('tsx/esm/api')
  const code = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}) })`
  return new Worker(code, { eval: true, workerData: role })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const gc = () => (globalThis as { gc?: () => void }).gc?.()

async function main(): Promise<void> {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') console.warn('(run with --expose-gc for steadier rounds)')
  const { createHost, workerHost } = await import('../src/main/index.js')
  const api = await import('./api.js')

  const clients = Array.from({ length: CLIENTS }, () => spawn({ role: 'client' }))
  await Promise.all(clients.map((c) => new Promise((r) => c.once('message', r))))
  const hostWorker = spawn({ role: 'host' })
  const remote = workerHost(hostWorker)
  const inMain = createHost(api)

  // One port per client per host, made once: 'main' ends are served here, 'worker' ends are transferred away.
  for (const [i, c] of clients.entries()) {
    for (const key of ['main', 'worker'] as const) {
      const { port1, port2 } = new MessageChannel()
      if (key === 'main') inMain.connect(port2, { client: i })
      else remote.connect(port2, { client: i })
      c.postMessage({ type: 'port', key, port: port1 } satisfies ClientCommand, [port1])
    }
  }
  await remote.stats() // the worker host is up and serving

  let nextId = 1
  function run(client: Worker, key: string, n: number): Promise<{ count: number; ms: number }> {
    const id = nextId++
    return new Promise((resolve) => {
      const on = (m: { id?: number; count: number; ms: number }) => {
        if (m.id !== id) return
        client.off('message', on)
        resolve(m)
      }
      client.on('message', on)
      client.postMessage({ type: 'run', key, n, id } satisfies ClientCommand)
    })
  }

  /** Main's event-loop delay while `work` runs (or for `ms` when there is none), in ms. */
  async function delayDuring(work: (() => Promise<unknown>) | number): Promise<{ p50: number; p99: number; ms: number }> {
    const h = monitorEventLoopDelay({ resolution: 1 })
    const t0 = performance.now()
    h.enable()
    if (typeof work === 'number') await new Promise((r) => setTimeout(r, work))
    else await work()
    h.disable()
    return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, ms: performance.now() - t0 }
  }

  const load = (key: string) => () => Promise.all(clients.map((c) => run(c, key, LOAD_ITEMS)))

  // Warm-up: both hosts, both paths, unrecorded.
  await Promise.all(clients.map((c) => run(c, 'main', LOAD_ITEMS / 4)))
  await Promise.all(clients.map((c) => run(c, 'worker', LOAD_ITEMS / 4)))

  const rows = { idleP99: [] as number[], mainP99: [] as number[], offP99: [] as number[], mainAgg: [] as number[], offAgg: [] as number[], mainSolo: [] as number[], offSolo: [] as number[] }
  const ratios = { offVsIdle: [] as number[], mainVsIdle: [] as number[], solo: [] as number[], agg: [] as number[] }
  for (let round = 0; round < ROUNDS; round++) {
    gc()
    const idle = await delayDuring(IDLE_MS)
    // Alternate which host goes first, so drift in the VM's load does not favour one side.
    const order = round % 2 === 0 ? (['main', 'worker'] as const) : (['worker', 'main'] as const)
    const loaded: Record<string, { p99: number; ms: number }> = {}
    for (const key of order) {
      gc()
      loaded[key] = await delayDuring(load(key))
    }
    // One client alone, A B B A: a drift in the VM's load within the round then weighs on both sides alike.
    const solo: Record<string, number> = { main: 0, worker: 0 }
    for (const key of [order[0], order[1], order[1], order[0]]) {
      gc()
      const r = await run(clients[0]!, key, SOLO_ITEMS)
      solo[key]! += r.count / (r.ms / 1000) / 2
    }
    const agg = (key: string) => (CLIENTS * LOAD_ITEMS) / (loaded[key]!.ms / 1000)
    rows.idleP99.push(idle.p99)
    rows.mainP99.push(loaded.main!.p99)
    rows.offP99.push(loaded.worker!.p99)
    rows.mainAgg.push(agg('main'))
    rows.offAgg.push(agg('worker'))
    rows.mainSolo.push(solo.main!)
    rows.offSolo.push(solo.worker!)
    ratios.offVsIdle.push(loaded.worker!.p99 / idle.p99)
    ratios.mainVsIdle.push(loaded.main!.p99 / idle.p99)
    ratios.solo.push(solo.worker! / solo.main!)
    ratios.agg.push(agg('worker') / agg('main'))
    console.error(`round ${round + 1}/${ROUNDS}: p99 off-main/idle ${ratios.offVsIdle.at(-1)!.toFixed(2)}x, one client worker/main ${ratios.solo.at(-1)!.toFixed(2)}x`)
  }

  const ms = (x: number) => `${x.toFixed(2)} ms`
  const rate = (x: number) => `${Math.round(x / 1000)}k items/s`
  console.log(`\noff-main hosting: ${CLIENTS} client threads, ${LOAD_ITEMS} items each per load phase, ${ROUNDS} rounds (medians)\n`)
  console.log(`main event-loop delay p99, idle                      ${ms(median(rows.idleP99))}`)
  console.log(`main event-loop delay p99, 4 clients, host in main   ${ms(median(rows.mainP99))}`)
  console.log(`main event-loop delay p99, 4 clients, host in worker ${ms(median(rows.offP99))}`)
  console.log(`aggregate throughput, 4 clients, host in main        ${rate(median(rows.mainAgg))}`)
  console.log(`aggregate throughput, 4 clients, host in worker      ${rate(median(rows.offAgg))}`)
  console.log(`one client's throughput, host in main                ${rate(median(rows.mainSolo))}`)
  console.log(`one client's throughput, host in worker              ${rate(median(rows.offSolo))}`)
  const offVsIdle = median(ratios.offVsIdle)
  const solo = median(ratios.solo)
  console.log('')
  console.log(`${offVsIdle <= 2 ? 'PASS' : 'MISS'}  main p99 under off-main load / idle p99 = ${offVsIdle.toFixed(2)}x (target <= 2x; hosted in main: ${median(ratios.mainVsIdle).toFixed(1)}x)`)
  console.log(`${solo >= 0.9 ? 'PASS' : 'MISS'}  one client's throughput, worker host / main host = ${solo.toFixed(2)}x (target >= 0.9x; 4 clients aggregate: ${median(ratios.agg).toFixed(2)}x)`)

  remote.close()
  inMain.close()
  await Promise.all([...clients, hostWorker].map((w) => w.terminate()))
}

if (isMainThread) await main()
