/**
 * `exposeApi(key)`: the contextBridge mode. The client lives in the preload; the page gets `window[key]`, a
 * proxy whose calls return handles that are awaitable and async-iterable, with no sluice code in the page.
 *
 * Three ways to get there, chosen before any hello goes out:
 * - worlds not isolated: the page shares the preload's world and gets the real client;
 * - Electron ≥ 35 (`contextBridge.executeInMainWorld`): a Proxy built in the page (main-world.ts), so any
 *   method name works and yields cross in batches;
 * - older Electron, given `options.methods`: a plain object of those methods, built here and passed through
 *   `exposeInMainWorld`. The bridge keeps symbols and symbol keys (electron_api_context_bridge.cc passes
 *   symbols through as primitives and copies own enumerable keys, symbols included; spec/api-context-bridge-
 *   spec.ts "should proxy symbols such that symbol key lookup works"), and proxies functions and promises, so
 *   a handle made here stays awaitable and async-iterable in the page. What the bridge cannot carry is a
 *   Proxy (`IsPlainObject` refuses it), which is why the method names must be known.
 *
 * Each item read in the preload crosses the bridge in batches (`pull()` returns everything read ahead, up to
 * READ_AHEAD items), so the bridge is crossed once per batch, not once per yield. The preload reads ahead at
 * most READ_AHEAD items, so flow control still reaches the host: a page that stops reading stops the generator.
 */
import { contextBridge } from 'electron'
import { DisconnectedError } from '../shared/errors.js'
import { PendingPort } from '../shared/pending-port.js'
import type { StreamCall } from '../shared/types.js'
import { ClientConnection, type ClientOptions } from '../renderer/client.js'
import { createProxy } from '../renderer/proxy.js'
import type { RemoteCall } from '../renderer/stream-call.js'
import { contextIsolated } from './isolation.js'
import { type Bridge, type BridgedBatch, type BridgedCall, type BridgedError, installMainWorldApi } from './main-world.js'
import { requestPort } from './request-port.js'

/**
 * Process: Preload.
 * Options of `exposeApi()`: the client's, plus the method names for Electron before 35.
 * @see sluice/docs/electron.md#exposeapi
 */
export interface ExposeApiOptions extends ClientOptions {
  /**
   * The api's methods by dotted path (`['add', 'files.process']`). Needed only where
   * `contextBridge.executeInMainWorld` is missing (Electron < 35); ignored elsewhere.
   */
  methods?: readonly string[]
}

const READ_AHEAD = 64

function toBridged(e: unknown): BridgedError {
  if (e instanceof Error) return { name: String(e.name), message: String(e.message) }
  return { name: 'Error', message: typeof e === 'string' ? e : String(e) }
}

function bridgeCall(call: StreamCall<unknown, unknown>): BridgedCall {
  let iterator: AsyncIterator<unknown> | undefined
  let buffer: unknown[] = []
  let done = false
  let error: BridgedError | undefined
  let pumping = false
  let waiter: ((batch: BridgedBatch) => void) | undefined

  const take = (): BridgedBatch => {
    const batch: BridgedBatch = { items: buffer, done }
    if (error !== undefined) batch.error = error
    buffer = []
    error = undefined
    return batch
  }
  const wake = () => {
    if (waiter === undefined) return
    const w = waiter
    waiter = undefined
    w(take())
  }
  const pump = async () => {
    if (pumping || iterator === undefined) return
    pumping = true
    try {
      while (!done && buffer.length < READ_AHEAD) {
        const step = await iterator.next()
        if (step.done) done = true
        else buffer.push(step.value)
        wake()
      }
    } catch (e) {
      done = true
      error = toBridged(e)
      wake()
    }
    pumping = false
  }

  return {
    result: () =>
      Promise.resolve(call).then(
        (value) => ({ value }),
        (e: unknown) => ({ error: toBridged(e) }),
      ),
    pull: () => {
      if (iterator === undefined) iterator = call[Symbol.asyncIterator]()
      const ready = buffer.length > 0 || done
      const batch = ready ? Promise.resolve(take()) : new Promise<BridgedBatch>((resolve) => (waiter = resolve))
      void pump()
      return batch
    },
    cancel: () => call.cancel(),
  }
}

/** A handle made in the preload, for `exposeInMainWorld`: only functions, promises and symbol keys, all of which cross. */
function preloadHandle(call: StreamCall<unknown, unknown>): object {
  return {
    then: (onF?: (v: unknown) => unknown, onR?: (e: unknown) => unknown) => call.then(onF, onR),
    catch: (onR?: (e: unknown) => unknown) => call.then(undefined, onR),
    finally: (f?: () => void) => Promise.resolve(call).finally(f),
    cancel: () => call.cancel(),
    [Symbol.asyncIterator]: () => {
      const it = call[Symbol.asyncIterator]()
      return {
        next: () => it.next(),
        return: () => (it.return ? it.return() : Promise.resolve({ value: undefined, done: true as const })),
      }
    },
  }
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype', 'then'])

/** The nested object of `methods`, each a function that returns a preload handle. */
function methodsObject(key: string, methods: readonly string[], conn: ClientConnection): object {
  const root: Record<string, unknown> = Object.create(null)
  for (const dotted of methods) {
    const path = typeof dotted === 'string' ? dotted.split('.') : []
    if (path.length === 0 || path.some((p) => p === '' || FORBIDDEN.has(p))) {
      throw new TypeError(`sluice: exposeApi('${key}'): bad method name ${JSON.stringify(dotted)} in options.methods`)
    }
    let node = root
    for (const segment of path.slice(0, -1)) {
      const next = node[segment] ?? (node[segment] = Object.create(null))
      if (typeof next !== 'object') throw new TypeError(`sluice: exposeApi('${key}'): ${dotted} is both a method and a namespace`)
      node = next as Record<string, unknown>
    }
    const leaf = path[path.length - 1]!
    if (node[leaf] !== undefined) throw new TypeError(`sluice: exposeApi('${key}'): ${dotted} is listed twice, or is also a namespace`)
    node[leaf] = (...args: unknown[]) => preloadHandle(conn.call(path, args) as RemoteCall as StreamCall<unknown, unknown>)
  }
  return root
}

export function exposeApiImpl(key: string, options: ExposeApiOptions = {}): void {
  const { methods, ...clientOptions } = options
  const pending = new PendingPort()
  const conn = new ClientConnection(pending, clientOptions)
  // Install first: whatever cannot work here throws now, before a hello makes main hold a connection.
  if (!contextIsolated()) {
    // One world: the page can hold the real client, with full fidelity.
    Object.defineProperty(window, key, { value: createProxy(conn), enumerable: true })
  } else if (typeof contextBridge.executeInMainWorld === 'function') {
    const bridge: Bridge = {
      call(path, args) {
        if (!Array.isArray(path) || !path.every((p) => typeof p === 'string') || !Array.isArray(args)) {
          throw new TypeError('sluice: bad call through the bridge')
        }
        return bridgeCall(conn.call(path, args) as RemoteCall as StreamCall<unknown, unknown>)
      },
    }
    contextBridge.executeInMainWorld({ func: installMainWorldApi, args: [key, bridge] })
  } else if (methods !== undefined) {
    contextBridge.exposeInMainWorld(key, methodsObject(key, methods, conn))
  } else {
    throw new Error(
      `sluice: exposeApi('${key}'): this Electron has no contextBridge.executeInMainWorld (it came in Electron 35), ` +
        `so the page cannot get a proxy for any method name. List the methods: exposeApi('${key}', { methods: ['add', 'files.process'] }), ` +
        'or call exposeBridge() in the preload and connect() in the page.',
    )
  }
  // exposeApi() serves main's api only: namespaces routed to other processes need connect() in the page.
  requestPort().then(
    ({ port }) => pending.attach(port),
    (e: Error) => conn.close(new DisconnectedError(`sluice: exposeApi('${key}'): ${e.message}`)),
  )
}
