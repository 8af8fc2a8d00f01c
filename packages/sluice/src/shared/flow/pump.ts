/**
 * The producer's side of every stream sent as a ref (a stream call's generator, a ReadableStream or async
 * iterable in either direction, a Blob's bytes): reads its source only while it holds credit (credit.ts), and
 * posts what it read in batches.
 */
import { dispose } from '../dispose.js'
import { Credit } from './credit.js'

/** A source an Outbound reads from: a ReadableStream reader or an async iterator. */
export interface Source {
  next(): Promise<IteratorResult<unknown>>
  cancel(reason: unknown): Promise<unknown> | void
}

export interface OutboundLink {
  /** Encodes one item into the connection's outbox. Throws, sending nothing, when it cannot be sent. */
  push(value: unknown): void
  /** Posts what was pushed so far. */
  flush(): void
  /** The source finished; `value` is what its iterator returned (undefined for a ReadableStream). */
  end(value: unknown): void
  /** The source failed, or one of its items could not be sent. */
  fail(error: unknown): void
}

export interface OutboundOptions {
  /** The most credit the consumer may have granted and not yet used (limits.maxCredit). */
  maxCredit: number
  /**
   * The most credit it uses at once (a blob's chunks: one byte window of this side's flow). A grant past it is
   * accepted (up to `maxCredit`) but the excess is dropped: an honest reader gets it back by the starvation
   * rule, and one that grants without reading cannot make this side read far ahead.
   */
  hold?: number
  /** Told once, when the source has stopped for good: it ended, it failed, or its cancel() settled. */
  stopped?: () => void
}

/**
 * When a producer posts: once it has sent half its window since the last post, and when its credit runs out.
 * The consumer then reads one half while the producer makes the other, and a window that grew to thousands of
 * items goes out in posts of hundreds, not of one fixed size. The producer does not know the consumer's window,
 * so it takes the most credit it has held at once as its measure. Every producer uses this rule; the outbox adds
 * its own end-of-task and 10 ms flushes.
 */
export class BatchRule {
  private sent = 0
  private peak = 0
  /** An item went out, leaving `left` credits. Returns true when the batch should be posted now. */
  sentOne(left: number): boolean {
    if (left + 1 > this.peak) this.peak = left + 1
    if (++this.sent * 2 < this.peak && left > 0) return false
    this.sent = 0
    return true
  }
}

export class Outbound {
  private readonly credit: Credit
  private readonly batch = new BatchRule()
  private readonly hold: number
  private pumping = false
  private done = false
  /** Why it was cancelled: what a value produced after that is disposed with. */
  private reason: unknown

  constructor(
    private readonly source: Source,
    private readonly link: OutboundLink,
    private readonly options: OutboundOptions,
  ) {
    this.credit = new Credit(0, options.maxCredit)
    this.hold = options.hold ?? Infinity
  }

  /**
   * The consumer granted `n` more. Returns false when that passes `maxCredit` outstanding. The first grant
   * starts the pump, which then stays in the async context it started in (a host's call context: the host
   * makes a stream call's first grant, from the call's `w`, inside it).
   */
  grant(n: number): boolean {
    if (this.done) return true
    if (!this.credit.grant(n)) return false
    if (this.credit.available > this.hold) this.credit.available = this.hold
    if (!this.pumping) void this.pump()
    return true
  }

  /** The consumer cancelled, or the connection closed: stop reading and cancel the source (its cancel() runs). */
  cancel(reason: unknown): void {
    if (this.done) return
    this.done = true
    this.reason = reason
    this.credit.wake()
    let cancelled: unknown
    try {
      cancelled = this.source.cancel(reason)
    } catch {
      // A source whose cancel throws is still cancelled as far as we are concerned.
    }
    void Promise.resolve(cancelled)
      .catch(() => {})
      .then(() => this.stopped())
  }

  private stopped(): void {
    const fn = this.options.stopped
    if (fn === undefined) return
    this.options.stopped = undefined
    fn()
  }

  private async pump(): Promise<void> {
    this.pumping = true
    const { credit, source, link } = this
    try {
      for (;;) {
        if (this.done) return
        if (!credit.take()) {
          // Parked, not returned: the pump keeps the async context it was started in.
          await credit.wait()
          continue
        }
        const step = await source.next()
        if (this.done) {
          // Cancelled while the source was producing this item, or its return value (an iterator that returned
          // a channel, a callback, a stream): nobody will read it, so what is live in it ends here.
          dispose(step.value, this.reason)
          return
        }
        if (step.done) {
          this.done = true
          link.end(step.value)
          this.stopped()
          return
        }
        link.push(step.value)
        if (this.batch.sentOne(credit.available)) link.flush()
      }
    } catch (e) {
      if (this.done) return
      this.done = true
      link.fail(e)
      // The source may be fine and only its item unsendable (a symbol, say): stop it too, so its finally runs.
      void Promise.resolve()
        .then(() => source.cancel(e))
        .catch(() => {})
        .then(() => this.stopped())
    }
  }
}
