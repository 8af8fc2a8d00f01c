/**
 * The producer's side of a stream's window: the credit the consumer granted and not yet used. Every producer
 * (a generator call on the host, a ReadableStream or iterable sent by either side, each direction of a
 * channel) holds one, and sends an item only by taking a credit: so it never sends more than was granted,
 * and a consumer that stops reading stops the producer at its next item.
 */
export class Credit {
  private waiters: (() => void)[] = []

  constructor(
    /** Credits available now. */
    public available: number,
    /** The most a consumer may have granted and not yet used: more is a protocol error (limits.maxCredit). */
    private readonly max: number,
  ) {}

  /** The consumer granted `n` more. Returns false, granting nothing, when that would pass `max`. */
  grant(n: number): boolean {
    if (this.available + n > this.max) return false
    this.available += n
    this.wake()
    return true
  }

  /** Uses one credit if there is one. */
  take(): boolean {
    if (this.available <= 0) return false
    this.available--
    return true
  }

  /** Resolves at the next grant (or `wake()`, which a cancel calls so the producer can notice it). */
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  wake(): void {
    const waiters = this.waiters
    if (waiters.length === 0) return
    this.waiters = []
    for (const w of waiters) w()
  }
}
