/**
 * Credit-based flow for refs that carry many items: ReadableStreams and async iterables in either direction,
 * and each direction of a channel.
 *
 * ============================================================================================================
 * Credit invariant
 * ============================================================================================================
 * The consumer (`Inbound`) grants credit with `ref-pull`; the producer (`Outbound`) sends one item per credit
 * with `ref-push`, and never reads its source while it has none. A consumer grants its first window only when
 * something first reads, and tops it up as items are consumed (half a window at a time, or everything
 * consumed so far when its reader waits on an empty queue). So an unread stream costs nothing, a slow reader
 * pauses the source, and at most one window of items is ever in flight or queued.
 */
import { dispose } from './dispose.js'
import type { Encoded } from './protocol.js'

/** What an Inbound needs from its connection. */
export interface InboundLink {
  pull(n: number): void
  cancel(reason: unknown): void
}

export class Inbound<T> {
  private items: T[] = []
  private head = 0
  private waiter: { resolve: (r: IteratorResult<T, undefined>) => void; reject: (e: unknown) => void } | undefined
  private granted = 0
  private consumed = 0
  /** Items the producer may still send: everything granted, less everything that arrived. */
  private receivable = 0
  private ended = false
  private error: unknown
  private failed = false
  private cancelled = false

  constructor(
    private readonly link: InboundLink,
    private readonly window: number,
  ) {}

  get done(): boolean {
    return this.ended || this.cancelled
  }

  /**
   * Items from the producer. Returns false, and takes none, when they exceed the credit granted: a producer
   * that ignores credit would otherwise fill this queue without bound.
   */
  push(items: T[]): boolean {
    if (this.done) return true
    if (items.length > this.receivable) return false
    this.receivable -= items.length
    for (const item of items) this.items.push(item)
    const waiter = this.waiter
    if (waiter !== undefined && this.head < this.items.length) {
      this.waiter = undefined
      waiter.resolve({ value: this.take(), done: false })
    }
    return true
  }

  /** The producer finished (or failed with `error`). Queued items are still delivered first. */
  end(failed: boolean, error?: unknown): void {
    if (this.done) return
    this.ended = true
    this.failed = failed
    this.error = error
    const waiter = this.waiter
    if (waiter !== undefined && this.head >= this.items.length) {
      this.waiter = undefined
      if (failed) waiter.reject(error)
      else waiter.resolve({ value: undefined, done: true })
    }
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.head < this.items.length) return Promise.resolve({ value: this.take(), done: false })
    if (this.cancelled) return Promise.resolve({ value: undefined, done: true })
    if (this.ended) return this.failed ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true })
    if (this.granted === 0) {
      this.granted = this.window
      this.pull(this.window)
    } else if (this.consumed > 0) {
      this.pull(this.consumed)
      this.consumed = 0
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }))
  }

  private pull(n: number): void {
    this.receivable += n
    this.link.pull(n)
  }

  /** The consumer gave up: tell the producer, and end here at once. Items nobody will read are disposed. */
  cancel(reason?: unknown): void {
    if (this.done) return
    this.cancelled = true
    const dropped = this.items.slice(this.head)
    this.items = []
    this.head = 0
    for (const item of dropped) dispose(item, reason)
    this.link.cancel(reason)
    const waiter = this.waiter
    this.waiter = undefined
    waiter?.resolve({ value: undefined, done: true })
  }

  private take(): T {
    const item = this.items[this.head++]!
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    }
    if (++this.consumed * 2 >= this.window && !this.ended) {
      this.pull(this.consumed)
      this.consumed = 0
    }
    return item
  }
}

/** A source an Outbound reads from: a ReadableStream reader or an async iterator. */
export interface Source {
  next(): Promise<IteratorResult<unknown>>
  cancel(reason: unknown): Promise<unknown> | void
}

export interface OutboundLink {
  push(item: Encoded): void
  end(error?: unknown): void
  encode(value: unknown): Encoded
}

export class Outbound {
  private credit = 0
  private pumping = false
  private done = false

  constructor(
    private readonly source: Source,
    private readonly link: OutboundLink,
    private readonly maxCredit: number,
  ) {}

  /** Returns false when the consumer granted more than `maxCredit` outstanding. */
  grant(n: number): boolean {
    if (this.done) return true
    if (this.credit + n > this.maxCredit) return false
    this.credit += n
    void this.pump()
    return true
  }

  /** The consumer cancelled, or the connection closed: stop reading and cancel the source (its cancel() runs). */
  cancel(reason: unknown): void {
    if (this.done) return
    this.done = true
    try {
      void Promise.resolve(this.source.cancel(reason)).catch(() => {})
    } catch {
      // A source whose cancel throws is still cancelled as far as we are concerned.
    }
  }

  private async pump(): Promise<void> {
    if (this.pumping) return
    this.pumping = true
    try {
      while (this.credit > 0 && !this.done) {
        const step = await this.source.next()
        if (this.done) {
          // Cancelled while the source was producing this item: nobody will read it.
          if (step.done !== true) dispose(step.value)
          return
        }
        if (step.done) {
          this.done = true
          this.link.end()
          return
        }
        this.credit--
        this.link.push(this.link.encode(step.value))
      }
    } catch (e) {
      if (this.done) return
      this.done = true
      // The source may be fine and only its item unsendable (a symbol, say): stop it too, so its finally runs.
      void Promise.resolve()
        .then(() => this.source.cancel(e))
        .catch(() => {})
      this.link.end(e)
    } finally {
      this.pumping = false
    }
  }
}
