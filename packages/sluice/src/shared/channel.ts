/**
 * Channels: a two-way, flow-controlled pipe between the host and one client. This file holds what both ends
 * share; the host's `Channel` class is in main/channel.ts.
 *
 * `new Channel<In, Out>()` lives on the host. Return `channel.client` from a handler, and the client receives
 * a `ChannelEnd<Out, In>`: the host sends `Out` and receives `In`; the client the reverse. `send()` resolves
 * once the receiver has room (per-direction credit, like streams), `listen()` receives, and `close()` /
 * `onClose()` work on both ends.
 */
import { Credit } from './flow/credit.js'
import { DEFAULT_FLOW, type Flow, Window } from './flow/window.js'

/** One end of a channel: what the client receives, and what the host's `Channel` also is. */
export interface ChannelEnd<Send, Receive> {
  /** Sends `value`. Resolves once the other end has room for it; rejects if the channel is closed. */
  send(value: Send): Promise<void>
  /**
   * Receives every value sent from the other end, in order. If `fn` returns a promise, the next value waits
   * for it, and the sender waits once the window is full: a slow listener slows the sender down.
   * Values sent before the first listener are held (up to the window) and delivered to it.
   * Returns a function that removes the listener.
   */
  listen(fn: (value: Receive) => void | Promise<void>): () => void
  /** Runs `fn` once when the channel closes: `reason` is undefined for a `close()` from either end. */
  onClose(fn: (reason?: unknown) => void): void
  /** Closes both ends. Idempotent. */
  close(): void
  readonly closed: boolean
}

/** What a bound channel end needs from the connection carrying it. */
export interface ChannelLink {
  push(value: unknown): void
  pull(n: number): void
  end(): void
}

/** The shared machinery of a channel end, bound to a connection once its ref travels. */
export class ChannelCore<Send, Receive> implements ChannelEnd<Send, Receive> {
  private link: ChannelLink | undefined
  /** What this end may send: the other end's grants (flow/credit.ts). */
  private readonly credit = new Credit(0, Infinity)
  /** What this end grants the other, by the shared window policy (flow/window.ts). */
  private readonly window: Window
  private inbox: Receive[] = []
  private head = 0
  private readonly listeners = new Set<(value: Receive) => void | Promise<void>>()
  private readonly closers: ((reason?: unknown) => void)[] = []
  private delivering = false
  private granted = false
  /** Values the other end may still send: what this end granted, less what arrived. */
  private receivable = 0
  closed = false
  private reason: unknown

  /** `flow`: the receiving window, as a number (its initial size) or full flow options. */
  constructor(flow: number | Flow) {
    const options = typeof flow === 'number' ? { ...DEFAULT_FLOW, initialWindow: flow, maxWindow: Math.max(flow, DEFAULT_FLOW.maxWindow) } : flow
    this.window = new Window(options, (n) => this.pull(n))
  }

  bind(link: ChannelLink): void {
    if (this.link !== undefined) throw new Error('sluice: a channel can be sent to one peer only, once')
    this.link = link
  }

  get bound(): boolean {
    return this.link !== undefined
  }

  /** True when a `send()` now would go out at once. */
  hasRoom(): boolean {
    return !this.closed && this.link !== undefined && this.credit.available > 0
  }

  /** Grants the other end its first window to send into. Called by whichever side speaks first. */
  open(): void {
    if (this.granted || this.link === undefined || this.closed) return
    this.granted = true
    this.pull(this.window.size)
  }

  async send(value: Send): Promise<void> {
    for (;;) {
      if (this.closed) throw this.closedError()
      if (this.link !== undefined && this.credit.take()) break
      await this.credit.wait()
    }
    this.link!.push(value)
  }

  listen(fn: (value: Receive) => void | Promise<void>): () => void {
    this.listeners.add(fn)
    void this.deliver()
    return () => void this.listeners.delete(fn)
  }

  onClose(fn: (reason?: unknown) => void): void {
    if (this.closed) fn(this.reason)
    else this.closers.push(fn)
  }

  close(): void {
    if (this.closed) return
    this.link?.end()
    this.finish(undefined)
  }

  // ---- from the connection --------------------------------------------------------------------------------

  /** The other end granted `n` more sends. Returns false, and grants nothing, past `maxCredit` outstanding. */
  grant(n: number, maxCredit = Infinity): boolean {
    if (this.closed) return true
    if (this.credit.available + n > maxCredit) return false
    this.credit.grant(n)
    this.open()
    return true
  }

  /** Values from the other end. Returns false, and takes none, when they exceed what this end granted. */
  receive(values: Receive[]): boolean {
    if (this.closed) return true
    if (values.length > this.receivable) return false
    this.receivable -= values.length
    for (const value of values) this.inbox.push(value)
    void this.deliver()
    return true
  }

  /** The other end closed (reason undefined), or the connection went away (reason is the error). */
  finish(reason: unknown): void {
    if (this.closed) return
    this.closed = true
    this.reason = reason
    // Senders waiting for credit wake up, see `closed` and reject.
    this.credit.wake()
    for (const fn of this.closers.splice(0)) {
      try {
        fn(reason)
      } catch {
        // One failing onClose must not stop the others.
      }
    }
  }

  private pull(n: number): void {
    if (this.closed || this.link === undefined) return
    this.receivable += n
    this.link.pull(n)
  }

  private closedError(): Error {
    return this.reason instanceof Error ? this.reason : new Error('sluice: the channel is closed')
  }

  private async deliver(): Promise<void> {
    if (this.delivering || this.listeners.size === 0) return
    this.delivering = true
    try {
      while (this.head < this.inbox.length && this.listeners.size > 0) {
        const value = this.inbox[this.head++]!
        if (this.head === this.inbox.length) {
          this.inbox = []
          this.head = 0
        }
        const results = [...this.listeners].map((fn) => {
          try {
            return fn(value)
          } catch {
            return undefined
          }
        })
        const pending = results.filter((r): r is Promise<void> => typeof (r as Promise<void>)?.then === 'function')
        if (pending.length > 0) await Promise.allSettled(pending)
        this.window.consume(value, this.inbox.length - this.head)
      }
      // Everything that arrived is delivered: hand back the rest of what was consumed (the starvation rule).
      if (this.head >= this.inbox.length) this.window.starved()
    } finally {
      this.delivering = false
    }
  }
}

/** @internal the host-side core behind a `channel.client` token. */
export function coreOfToken(token: object): ChannelCore<unknown, unknown> | undefined {
  const core = (token as { core?: unknown }).core
  return core instanceof ChannelCore ? core : undefined
}
