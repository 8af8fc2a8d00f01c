/**
 * The producer's side of a stream sent as a ref (a ReadableStream or async iterable): reads its source only
 * while it holds credit (credit.ts), and posts what it read in batches.
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
  end(error?: unknown): void
}

/**
 * When a producer posts: once it has sent half its window since the last post, and when its credit runs out.
 * The consumer then reads one half while the producer makes the other, and a window that grew to thousands of
 * items goes out in posts of hundreds, not of one fixed size. The producer does not know the consumer's window,
 * so it takes the most credit it has held at once as its measure. Every producer uses this rule (the host's
 * generator driver too); the outbox adds its own end-of-task and 10 ms flushes.
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
  private pumping = false
  private done = false

  constructor(
    private readonly source: Source,
    private readonly link: OutboundLink,
    maxCredit: number,
    /**
     * The most credit it uses at once (a blob's chunks: one byte window of this side's flow). A grant past it is
     * accepted (up to `maxCredit`) but the excess is dropped: an honest reader gets it back by the starvation
     * rule, and one that grants without reading cannot make this side read far ahead.
     */
    private readonly hold = Infinity,
  ) {
    this.credit = new Credit(0, maxCredit)
  }

  /** Returns false when the consumer granted more than `maxCredit` outstanding. */
  grant(n: number): boolean {
    if (this.done) return true
    if (!this.credit.grant(n)) return false
    if (this.credit.available > this.hold) this.credit.available = this.hold
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
      while (!this.done && this.credit.take()) {
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
        this.link.push(step.value)
        if (this.batch.sentOne(this.credit.available)) this.link.flush()
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
