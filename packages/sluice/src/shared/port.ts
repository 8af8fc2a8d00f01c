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

/** DOM `MessagePort` and `node:worker_threads` `MessagePort`. */
export interface MessagePortLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  addEventListener(type: 'close', listener: () => void): void
  removeEventListener(type: string, listener: (event: never) => void): void
  start?(): void
  close(): void
}

/** Electron's `MessagePortMain` (typed structurally so the core never imports electron). */
export interface MessagePortMainLike {
  postMessage(message: unknown): void
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown
  on(event: 'close', listener: () => void): unknown
  off(event: string, listener: (...args: never[]) => void): unknown
  start(): void
  close(): void
}

function isPort(x: PortLike): x is Port {
  return typeof (x as Port).listen === 'function' && typeof (x as Port).post === 'function'
}

export function toPort(like: PortLike): Port {
  if (isPort(like)) return like
  if (typeof (like as MessagePortLike).addEventListener === 'function') return fromEventTarget(like as MessagePortLike)
  if (typeof (like as MessagePortMainLike).on === 'function') return fromEmitter(like as MessagePortMainLike)
  throw new TypeError('sluice: expected a MessagePort, a MessagePortMain or a sluice Port')
}

function fromEventTarget(port: MessagePortLike): Port {
  let onMessage: ((event: { data: unknown }) => void) | undefined
  let onClose: (() => void) | undefined
  return {
    post: (envelope) => port.postMessage(envelope),
    listen(message, close) {
      onMessage = (event) => message(event.data)
      onClose = close
      port.addEventListener('message', onMessage)
      port.addEventListener('close', onClose)
      port.start?.()
    },
    close() {
      if (onMessage) port.removeEventListener('message', onMessage)
      if (onClose) port.removeEventListener('close', onClose)
      port.close()
    },
  }
}

function fromEmitter(port: MessagePortMainLike): Port {
  let onMessage: ((event: { data: unknown }) => void) | undefined
  let onClose: (() => void) | undefined
  return {
    post: (envelope) => port.postMessage(envelope),
    listen(message, close) {
      onMessage = (event) => message(event.data)
      onClose = close
      port.on('message', onMessage)
      port.on('close', onClose)
      // A MessagePortMain that is never started queues forever and never notices its peer closing.
      port.start()
    },
    close() {
      if (onMessage) port.off('message', onMessage)
      if (onClose) port.off('close', onClose)
      port.close()
    },
  }
}
