/**
 * The strict lane: a host in a Worker with Node's default unhandled-rejection behaviour, so a rejection the
 * host leaves unhandled kills it (as it kills a web-mode server) instead of printing a warning.
 * Disposable: `await using lane = await strictLane()`.
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads'
import type { HostStats } from '../../src/main/index.js'
import { createClient, type Client } from '../../src/renderer/index.js'
import type * as hostileApi from '../fixtures/hostile-api.js'
import type { hostileProbe } from '../fixtures/hostile-state.js'

export type HostileApi = typeof hostileApi

export interface StrictLane extends AsyncDisposable {
  /** Set once the Worker died, with the error that killed it. */
  readonly death: { error?: unknown; exitCode?: number } | undefined
  /** Resolves with the cause when the Worker dies (never, if it survives). */
  readonly died: Promise<Error>
  /** A new connection to the host, for raw frames. */
  port(): MessagePort
  /** A new connection with a real client: the well-behaved peer. */
  client(): Client<HostileApi>
  probe(): Promise<ReturnType<typeof hostileProbe>>
  stats(): Promise<HostStats>
  /** Differences in the built-in prototypes since the host started (none, unless a peer polluted them). */
  integrity(): Promise<string[]>
  /** The host Worker's used heap after garbage collection, in bytes. */
  heap(): Promise<number>
  /** Makes the Worker create an unhandled rejection of its own. */
  canary(): void
  /** Resolves when the host answers a control request; rejects if it has died or does not answer in `ms`. */
  alive(ms?: number): Promise<void>
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e)
}

const workerUrl = new URL('../fixtures/strict-host-worker.mjs', import.meta.url)

export async function strictLane(): Promise<StrictLane> {
  // A heap cap, so a value that explodes kills this Worker and not the test runner.
  const worker = new Worker(workerUrl, { resourceLimits: { maxOldGenerationSizeMb: 384 } })
  let death: { error?: unknown; exitCode?: number } | undefined
  const pending = new Map<number, { resolve: (msg: Record<string, unknown>) => void; reject: (e: Error) => void }>()
  const dead = () => new Error(`the host Worker died: ${describe(death?.error ?? `exit code ${death?.exitCode}`)}`)
  worker.on('error', (error) => void (death = { ...death, error }))
  let onDeath!: (e: Error) => void
  const died = new Promise<Error>((resolve) => (onDeath = resolve))
  worker.on('exit', (exitCode) => {
    death = { ...death, exitCode }
    onDeath(dead())
    for (const p of pending.values()) p.reject(dead())
    pending.clear()
  })
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve())
    worker.once('error', reject)
  })
  let nextId = 1
  worker.on('message', (msg: { id?: number }) => {
    if (msg.id === undefined) return
    pending.get(msg.id)?.resolve(msg)
    pending.delete(msg.id)
  })
  const request = (type: string, ms = 5000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      if (death !== undefined) return reject(dead())
      const id = nextId++
      const timer = setTimeout(() => {
        pending.delete(id)
        reject(new Error(`the host Worker did not answer '${type}' within ${ms} ms (blocked?)`))
      }, ms)
      pending.set(id, {
        resolve: (msg) => {
          clearTimeout(timer)
          resolve(msg)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      })
      worker.postMessage({ type, id })
    })
  const ports: MessagePort[] = []
  const connect = () => {
    const { port1, port2 } = new MessageChannel()
    worker.postMessage({ type: 'connect', port: port1 }, [port1])
    ports.push(port2)
    return port2
  }
  return {
    get death() {
      return death
    },
    died,
    port: connect,
    client: () => createClient<HostileApi>(connect()),
    probe: async () => (await request('probe')).probe as ReturnType<typeof hostileProbe>,
    stats: async () => (await request('stats')).stats as HostStats,
    integrity: async () => (await request('integrity')).changes as string[],
    heap: async () => (await request('heap')).bytes as number,
    canary: () => worker.postMessage({ type: 'canary', id: nextId++ }),
    async alive(ms = 5000) {
      await request('stats', ms)
      if (death !== undefined) throw dead()
    },
    async [Symbol.asyncDispose]() {
      for (const p of ports) p.close()
      await worker.terminate()
    },
  }
}
