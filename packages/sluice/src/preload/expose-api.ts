/**
 * `exposeApi(key)`: the contextBridge mode. The client lives in the preload; the page gets `window[key]`, a
 * proxy whose calls return handles that are awaitable and async-iterable, with no sluice code in the page.
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
import { type Bridge, type BridgedBatch, type BridgedCall, type BridgedError, installMainWorldApi } from './main-world.js'
import { requestPort } from './request-port.js'

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

export function exposeApiImpl(key: string, options?: ClientOptions): void {
  const pending = new PendingPort()
  const conn = new ClientConnection(pending, options)
  requestPort().then(
    (port) => pending.attach(port),
    (e: Error) => conn.close(new DisconnectedError(`sluice: exposeApi('${key}'): ${e.message}`)),
  )
  const bridge: Bridge = {
    call(path, args) {
      if (!Array.isArray(path) || !path.every((p) => typeof p === 'string') || !Array.isArray(args)) {
        throw new TypeError('sluice: bad call through the bridge')
      }
      return bridgeCall(conn.call(path, args) as RemoteCall as StreamCall<unknown, unknown>)
    },
  }
  const proc = (globalThis as { process?: { contextIsolated?: boolean } }).process
  if (proc?.contextIsolated === false) {
    // One world: the page can hold the real client, with full fidelity.
    Object.defineProperty(window, key, { value: createProxy(conn), enumerable: true })
    return
  }
  if (typeof contextBridge.executeInMainWorld !== 'function') {
    throw new Error(
      `sluice: exposeApi('${key}') needs contextBridge.executeInMainWorld (Electron 35 or later). ` +
        "On older Electron, call exposeBridge() in the preload and connect() in the page.",
    )
  }
  contextBridge.executeInMainWorld({ func: installMainWorldApi, args: [key, bridge] })
}
