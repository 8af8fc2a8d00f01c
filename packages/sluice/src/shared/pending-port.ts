/**
 * A Port whose real port arrives later. Everything posted before then is queued and sent, in order, the
 * moment the real port is attached; so a client can be created, and called, before its port exists
 * (`connect()` in a page, `exposeApi()` in a preload).
 */
import { type Port, type PortLike, toPort } from './port.js'
import type { Envelope } from './protocol.js'

export class PendingPort implements Port {
  private queue: Envelope[] = []
  private real: Port | undefined
  private handlers: [onMessage: (data: unknown) => void, onClose: () => void] | undefined
  private closed = false

  /** True once a real port was attached (or the pending port was closed). */
  get settled(): boolean {
    return this.real !== undefined || this.closed
  }

  post(envelope: Envelope): void {
    if (this.real !== undefined) this.real.post(envelope)
    else if (!this.closed) this.queue.push(envelope)
  }

  listen(onMessage: (data: unknown) => void, onClose: () => void): void {
    this.handlers = [onMessage, onClose]
    this.real?.listen(onMessage, onClose)
  }

  /** Hands over the real port: starts it, then flushes the queue. A second attach, or one after close, closes `like`. */
  attach(like: PortLike): void {
    const port = toPort(like)
    if (this.settled) {
      port.close()
      return
    }
    this.real = port
    // Ordering invariant: listen (which starts the port) before flushing, so no answer can arrive unheard.
    if (this.handlers !== undefined) port.listen(...this.handlers)
    const queued = this.queue
    this.queue = []
    for (const envelope of queued) port.post(envelope)
  }

  /** The real port will never come: behave as a port that closed. */
  fail(): void {
    if (this.settled) return
    this.closed = true
    this.queue = []
    this.handlers?.[1]()
  }

  close(): void {
    this.closed = true
    this.queue = []
    this.real?.close()
  }
}
