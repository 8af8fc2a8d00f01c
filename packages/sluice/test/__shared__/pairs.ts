/**
 * One factory per port kind. Behaviour files run `describe.each(pairs)` so every behaviour is proven over
 * every kind: host and client in one thread, and the host in a Worker thread (the closest thing to two
 * processes that runs here). Each pair is disposable: `await using pair = await make()`.
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads'
import { createClient, type ClientOptions, type Client } from '../../src/renderer/index.js'
import { createHost, type HostOptions, type HostStats, type Connection } from '../../src/main/index.js'
import * as api from '../fixtures/api.js'

export type Api = typeof api

export interface Peer {
  api: Client<Api>
  /** The client's end of the port. */
  port: MessagePort
  /** Closes the connection from the host side (as a window closing would). */
  closeFromHost(): Promise<void>
}

export interface Pair extends AsyncDisposable {
  connect(options?: { client?: ClientOptions; peer?: Record<string, unknown> }): Peer
  stats(): Promise<HostStats>
  /** `host.emit(name, ...args)` on the host. */
  emit(name: string, ...args: unknown[]): Promise<void>
  /** Polls host stats until `predicate` holds (or fails the test after `ms`). */
  waitFor(predicate: (s: HostStats) => boolean, ms?: number): Promise<HostStats>
}

export interface PairFactory {
  name: string
  make(host?: HostOptions): Promise<Pair>
}

async function waitFor(stats: () => Promise<HostStats>, predicate: (s: HostStats) => boolean, ms = 2000): Promise<HostStats> {
  const until = Date.now() + ms
  for (;;) {
    const s = await stats()
    if (predicate(s)) return s
    if (Date.now() > until) throw new Error(`host stats never matched: ${JSON.stringify(s)}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

export const sameThread: PairFactory = {
  name: 'same thread',
  async make(options) {
    const host = createHost(api, options)
    const ports: MessagePort[] = []
    const stats = async () => host.stats()
    return {
      connect(opts) {
        const { port1, port2 } = new MessageChannel()
        ports.push(port1, port2)
        const conn: Connection = host.connect(port1, opts?.peer)
        return { api: createClient<Api>(port2, opts?.client), port: port2, closeFromHost: async () => conn.close('closed by the test') }
      },
      stats,
      emit: async (name, ...args) => host.emit(name, ...args),
      waitFor: (p, ms) => waitFor(stats, p, ms),
      async [Symbol.asyncDispose]() {
        host.close()
        for (const p of ports) p.close()
        api.reset()
      },
    }
  },
}

const workerUrl = new URL('../fixtures/host-worker.mjs', import.meta.url)

export const inWorker: PairFactory = {
  name: 'host in a Worker',
  async make(options) {
    const worker = new Worker(workerUrl, { workerData: options ?? {}})
    // Wait until the worker has loaded the api and listens: startup is not what the tests measure.
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve())
      worker.once('error', reject)
    })
    let nextId = 1
    let nextKey = 1
    const pending = new Map<number, (msg: { stats?: HostStats }) => void>()
    worker.on('message', (msg: { id: number; stats?: HostStats }) => {
      pending.get(msg.id)?.(msg)
      pending.delete(msg.id)
    })
    const request = (msg: object) =>
      new Promise<{ stats?: HostStats }>((resolve) => {
        const id = nextId++
        pending.set(id, resolve)
        worker.postMessage({ ...msg, id })
      })
    const stats = async () => (await request({ type: 'stats' })).stats!
    const ports: MessagePort[] = []
    return {
      connect(opts) {
        const { port1, port2 } = new MessageChannel()
        const key = nextKey++
        ports.push(port2)
        worker.postMessage({ type: 'connect', key, port: port1, peer: opts?.peer }, [port1])
        return {
          api: createClient<Api>(port2, opts?.client),
          port: port2,
          closeFromHost: async () => void (await request({ type: 'close', key })),
        }
      },
      stats,
      emit: async (name, ...args) => void (await request({ type: 'emit', name, args })),
      waitFor: (p, ms) => waitFor(stats, p, ms),
      async [Symbol.asyncDispose]() {
        for (const p of ports) p.close()
        await worker.terminate()
      },
    }
  },
}

export const pairs: PairFactory[] = [sameThread, inWorker]
