/**
 * The Port seam: the one minimal interface the core talks to, and all the sniffing of port shapes.
 *
 * Three shapes arrive here:
 * - a DOM `MessagePort` (renderer, browser, Web Worker): `addEventListener('message')`, needs `start()`;
 * - a `node:worker_threads` `MessagePort`: also an EventTarget in Node ≥ 15, so the same path works;
 * - Electron's `MessagePortMain`: a Node EventEmitter whose 'message' listener gets `{ data, ports }`, and
 *   which queues everything until `start()`.
 * Anything that already implements `Port` (the WebSocket adapter) passes through.
 */
import type { Envelope } from './protocol.js'

export interface Port {
  /** Sends one envelope. Must not throw once the port has closed (postMessage on a dead port is a no-op). */
  post(envelope: Envelope): void
  /** Registers the single message listener and starts delivery. */
  listen(onMessage: (data: unknown) => void, onClose: () => void): void
  /** Closes the port and detaches the listeners. */
  close(): void
}

/** Anything sluice can talk over. */
export type PortLike = Port | MessagePortLike | MessagePortMainLike

/**
 * A listener of some foreign event API. DOM, Node and Electron each type their listener parameters
 * differently (Event, MessageEvent, `any`), and TypeScript's strict callback checks accept none of them
 * against `unknown` or `never`. This is the one place sluice's public types use `any`: it types what a
 * port's own listener receives, never a value that reaches your code.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type ForeignListener = (...args: any[]) => unknown

/** DOM `MessagePort` and `node:worker_threads` `MessagePort`. */
export interface MessagePortLike {
  postMessage(message: unknown): void
  addEventListener(type: string, listener: ForeignListener): void
  removeEventListener(type: string, listener: ForeignListener): void
  start?(): void
  close(): void
}

/** Electron's `MessagePortMain` (typed structurally so the core never imports electron). */
export interface MessagePortMainLike {
  postMessage(message: unknown): void
  on(event: string, listener: ForeignListener): unknown
  off(event: string, listener: ForeignListener): unknown
  start(): void
  close(): void
}

type MessageListener = (event: { data: unknown }) => void

function isPort(x: PortLike): x is Port {
  return typeof (x as Port).listen === 'function' && typeof (x as Port).post === 'function'
}

export function toPort(like: PortLike): Port {
  if (isPort(like)) return like
  if (typeof (like as MessagePortLike).addEventListener === 'function') {
    const port = like as MessagePortLike
    return adapt(
      port,
      (type, fn) => port.addEventListener(type, fn),
      (type, fn) => port.removeEventListener(type, fn),
      () => port.start?.(),
    )
  }
  if (typeof (like as MessagePortMainLike).on === 'function') {
    const port = like as MessagePortMainLike
    if (typeof port.start !== 'function') {
      // A worker_threads Worker or a UtilityProcess looks like a port (postMessage, on) but is not one.
      throw new TypeError(
        'sluice: expected a MessagePort, a MessagePortMain or a sluice Port, and this has no start(): a Worker or a utility process is not a port. ' +
          'In main, use workerHost(worker) / utilityHost(child) with serve(api, { hosts }); inside the worker, serveWorker(api); or hand createHost().connect() one end of a MessageChannel.',
      )
    }
    return adapt(
      port,
      (type, fn) => port.on(type, fn),
      (type, fn) => port.off(type, fn),
      // A MessagePortMain that is never started queues forever and never notices its peer closing.
      () => port.start(),
    )
  }
  throw new TypeError('sluice: expected a MessagePort, a MessagePortMain or a sluice Port')
}

/** One adapter for both listener styles: they differ only in how a listener is added and removed. */
function adapt(
  port: { postMessage(message: unknown): void; close(): void },
  on: (type: string, fn: ForeignListener) => void,
  off: (type: string, fn: ForeignListener) => void,
  start: () => void,
): Port {
  let onMessage: MessageListener | undefined
  let onClose: (() => void) | undefined
  return {
    post: (envelope) => port.postMessage(envelope),
    listen(message, close) {
      onMessage = (event) => message(event.data)
      onClose = close
      on('message', onMessage as ForeignListener)
      on('close', onClose)
      start()
    },
    close() {
      if (onMessage) off('message', onMessage as ForeignListener)
      if (onClose) off('close', onClose)
      port.close()
    },
  }
}
