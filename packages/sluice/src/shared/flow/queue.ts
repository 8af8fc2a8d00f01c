/**
 * The consumer's queue for a stream that arrives as a ref: a ReadableStream or async iterable from the other
 * side. It holds what arrived, hands it to the reader, and grants credit by the window's rules (window.ts).
 *
 * ============================================================================================================
 * Credit invariant
 * ============================================================================================================
 * Nothing is granted until something first reads, so an unread stream costs nothing; except a stream call's
 * stream, whose first window the client granted in its `call` frame (`granted`). After that the window decides
 * each grant. The queue refuses items beyond what it granted (`push` returns false): a producer that ignores
 * credit is a protocol error, not a way to fill this process's memory.
 */
import { dispose } from '../dispose.js'
import { type Flow, Window } from './window.js'

/** What an Inbound needs from its connection. */
export interface InboundLink {
  pull(n: number): void
  cancel(reason: unknown): void
}

export class Inbound<T> {
  private items: T[] = []
  private head = 0
  private waiter: { resolve: (r: IteratorResult<T, undefined>) => void; reject: (e: unknown) => void } | undefined
  private started = false
  /** Items the producer may still send: everything granted, less everything that arrived. */
  private receivable = 0
  private readonly window: Window
  private ended = false
  private error: unknown
  private failed = false
  private cancelled = false
  /** What the producer's iterator returned, given with the last `{ done: true }`. */
  private returned: unknown = undefined
  /** Nobody will read: items are dropped as they arrive, and granted back at once (see discard). */
  discarding = false

  constructor(
    private readonly link: InboundLink,
    flow: Flow,
    /** Credit the producer already holds (a stream call's `w`): its first items need no `pull`. */
    granted = 0,
  ) {
    this.window = new Window(flow, (n) => this.pull(n))
    if (granted > 0) {
      this.started = true
      this.receivable = granted
    }
  }

  get done(): boolean {
    return this.ended || this.cancelled
  }

  /** Items from the producer. Returns false, and takes none, when they exceed the credit granted. */
  push(items: T[]): boolean {
    if (this.done) return true
    if (items.length > this.receivable) return false
    this.receivable -= items.length
    if (this.discarding) {
      for (const item of items) dispose(item)
      this.pull(items.length)
      return true
    }
    for (const item of items) this.items.push(item)
    const waiter = this.waiter
    if (waiter !== undefined && this.head < this.items.length) {
      this.waiter = undefined
      waiter.resolve({ value: this.take(), done: false })
    }
    return true
  }

  /**
   * The producer finished (or failed with `error`); `value` is what its iterator returned. Queued items are
   * still delivered first.
   */
  end(failed: boolean, error?: unknown, value?: unknown): void {
    if (this.done) return
    this.ended = true
    this.failed = failed
    this.error = error
    this.returned = value
    const waiter = this.waiter
    if (waiter !== undefined && this.head >= this.items.length) {
      this.waiter = undefined
      if (failed) waiter.reject(error)
      else waiter.resolve({ value: value as undefined, done: true })
    }
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.head < this.items.length) return Promise.resolve({ value: this.take(), done: false })
    if (this.cancelled) return this.failed ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true })
    if (this.ended) return this.failed ? Promise.reject(this.error) : Promise.resolve({ value: this.returned as undefined, done: true })
    if (!this.started) {
      this.started = true
      this.pull(this.window.size)
    } else {
      this.window.starved()
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }))
  }

  /**
   * The consumer gave up: tell the producer (unless it already ended), and end here at once, even if items are
   * still queued. Items nobody will read are disposed. `rejectWith`: the reader's pending and later `next()`
   * reject with it (an aborted signal) instead of ending quietly (a `break`, a `cancel()`).
   */
  cancel(reason?: unknown, rejectWith?: { error: unknown }): void {
    if (this.cancelled) return
    const tell = !this.ended
    this.cancelled = true
    if (rejectWith !== undefined) {
      this.failed = true
      this.error = rejectWith.error
    } else {
      this.failed = false
    }
    this.dropQueued(reason)
    if (tell) this.link.cancel(reason)
    const waiter = this.waiter
    this.waiter = undefined
    if (waiter === undefined) return
    if (rejectWith !== undefined) waiter.reject(rejectWith.error)
    else waiter.resolve({ value: undefined, done: true })
  }

  /**
   * Nobody will read this stream (its call is awaited, not iterated): what is queued and what arrives from now on
   * is dropped, and its credit given back at once, so the producer runs to its end.
   */
  discard(): void {
    if (this.discarding) return
    this.discarding = true
    const owed = this.dropQueued() + this.window.takeOwed()
    if (owed > 0) this.pull(owed)
  }

  /** Disposes the items queued and not yet read (nobody will read them); returns how many there were. */
  private dropQueued(reason?: unknown): number {
    const dropped = this.items.slice(this.head)
    this.items = []
    this.head = 0
    for (const item of dropped) dispose(item, reason)
    return dropped.length
  }

  private pull(n: number): void {
    if (this.done) return
    this.receivable += n
    this.link.pull(n)
  }

  private take(): T {
    const item = this.items[this.head++]!
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    }
    this.window.consume(item, this.items.length - this.head)
    return item
  }
}
