/**
 * The consumer's queue for a stream that arrives as a ref: a ReadableStream or async iterable from the other
 * side. It holds what arrived, hands it to the reader, and grants credit by the window's rules (window.ts).
 *
 * ============================================================================================================
 * Credit invariant
 * ============================================================================================================
 * Nothing is granted until something first reads, so an unread stream costs nothing. After that the window
 * decides each grant. The queue refuses items beyond what it granted (`push` returns false): a producer that
 * ignores credit is a protocol error, not a way to fill this process's memory.
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

  constructor(
    private readonly link: InboundLink,
    flow: Flow,
  ) {
    this.window = new Window(flow, (n) => this.pull(n))
  }

  get done(): boolean {
    return this.ended || this.cancelled
  }

  /** Items from the producer. Returns false, and takes none, when they exceed the credit granted. */
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
    if (!this.started) {
      this.started = true
      this.pull(this.window.size)
    } else {
      this.window.starved()
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }))
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
