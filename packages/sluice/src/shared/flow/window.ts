/**
 * The adaptive window: how much credit a consumer grants, and when. Every consumer of items (a generator call's
 * client, a ReadableStream or iterable received by either side, each direction of a channel) uses this one
 * policy, so changing it means changing this file.
 *
 * ============================================================================================================
 * Policy
 * ============================================================================================================
 * - A stream starts with `initialWindow` (64) credits.
 * - The consumer grants again once it has consumed half its window, or at once when its reader waits on an
 *   empty queue (the starvation rule: with it, no window and batch size can deadlock).
 * - The window grows (doubles) at a grant when the consumer keeps up: it has waited on an empty queue since the
 *   last grant (so the window, not the reader, was what held the stream back), or its queue holds at most a
 *   quarter of the window unread. A starvation grant itself grows it only after the reader drained at least a
 *   quarter of the window. The window never grows while the consumer falls behind (never starved, queue full),
 *   so a stalled consumer holds the producer to the window it has, and memory per stream is at most one window.
 * - It is capped in items (`maxWindow`) and in bytes (`maxWindowBytes`, estimated from sampled items), and
 *   shrinks back under the byte cap when items grow.
 *
 * Worst case per stream: `maxWindow` items and about `maxWindowBytes` bytes queued at the consumer.
 */

/** How a stream's credit window starts and how far it may grow. Process: any. */
export interface FlowOptions {
  /** Credits a stream starts with: items the producer may send before the consumer's first grant. Default 64. */
  initialWindow?: number
  /** The largest window, in items. Default 4096. */
  maxWindow?: number
  /** The largest window, in bytes, estimated from the items consumed. Default 8 MiB. */
  maxWindowBytes?: number
}

export const DEFAULT_FLOW: Readonly<Required<FlowOptions>> = Object.freeze({
  initialWindow: 64,
  maxWindow: 4096,
  maxWindowBytes: 8 * 1024 * 1024,
})

/**
 * Flow options as the connection holds them: complete, plus how grants are paced. A pacer delays each grant to
 * a moment of its choosing (a browser page: the next animation frame), so a producer can never send faster
 * than the page draws; grants made meanwhile are added up and go out as one.
 */
export type Flow = Required<FlowOptions> & { pace?: (grant: () => void) => void }

/** Validates and completes flow options; `api` names the caller in errors. */
export function flowOptions(options: FlowOptions | undefined, api: string): Required<FlowOptions> {
  const flow = { ...DEFAULT_FLOW, ...options }
  for (const key of ['initialWindow', 'maxWindow', 'maxWindowBytes'] as const) {
    if (!Number.isSafeInteger(flow[key]) || flow[key] < 1) throw new RangeError(`sluice: ${api}: flow.${key} must be a positive integer`)
  }
  if (flow.maxWindow < flow.initialWindow) throw new RangeError(`sluice: ${api}: flow.maxWindow must be at least flow.initialWindow`)
  return flow
}

/** The consumer's side of one stream's window: counts what was consumed and decides each grant. */
export class Window {
  /** The current window, in items. */
  size: number
  private consumed = 0
  /** Average bytes per item, sampled once per grant (an estimate: 0 until a sample is taken). */
  private itemBytes = 0
  /** Grants waiting for the pacer (see Flow). */
  private paced = 0
  /** The item read last, to sample its size at a starvation grant. */
  private last: unknown = undefined
  /** The reader waited on an empty queue since the last grant: the window is what holds the stream back. */
  private hungry = false

  constructor(
    private readonly flow: Flow,
    private readonly grant: (n: number) => void,
  ) {
    this.size = flow.initialWindow
  }

  /** One item was taken by the reader; `queued` items still wait unread. */
  consume(item: unknown, queued: number): void {
    this.last = item
    if (++this.consumed * 2 >= this.size) this.flush(item, queued, true)
  }

  /**
   * The reader waits on an empty queue: give back what it consumed now, so the producer never stalls on us.
   * It grows the window only after the reader drained a good part of it (a quarter): a reader that gets items
   * one at a time and waits between them is waiting on the producer, not on credit.
   */
  starved(): void {
    // Waiting before reading anything since the last grant (the stream's very start) says nothing of the window.
    if (this.consumed === 0) return
    this.hungry = true
    this.flush(this.last, 0, this.consumed * 4 >= this.size)
  }

  /**
   * Consumed items not yet granted back, now counted as granted by the caller: a consumer that stops reading
   * (and drops what arrives from then on) hands these back itself.
   */
  takeOwed(): number {
    const n = this.consumed
    this.consumed = 0
    return n
  }

  private flush(sample: unknown, queued: number, mayGrow: boolean): void {
    if (sample !== undefined) {
      const bytes = estimateBytes(sample)
      this.itemBytes = this.itemBytes === 0 ? bytes : (this.itemBytes * 3 + bytes) / 4
    }
    const cap = Math.max(1, Math.min(this.flow.maxWindow, this.itemBytes > 0 ? Math.floor(this.flow.maxWindowBytes / this.itemBytes) : this.flow.maxWindow))
    let n = this.consumed
    const keptUp = this.hungry || queued * 4 <= this.size
    this.hungry = false
    if (mayGrow && keptUp && this.size < cap) {
      const grow = Math.min(this.size, cap - this.size)
      this.size += grow
      n += grow
    } else if (this.size > cap) {
      // Items got bigger: give back less than was consumed until the window fits the byte cap again.
      const shrink = Math.min(this.size - cap, n)
      this.size -= shrink
      n -= shrink
    }
    this.consumed = 0
    if (n <= 0) return
    const { pace } = this.flow
    if (pace === undefined) return this.grant(n)
    if (this.paced === 0) {
      pace(() => {
        const due = this.paced
        this.paced = 0
        this.grant(due)
      })
    }
    this.paced += n
  }
}

/** A cheap size estimate: binary and strings exactly, plain objects and arrays one level deep. */
export function estimateBytes(v: unknown, depth = 0): number {
  switch (typeof v) {
    case 'string':
      return 16 + v.length * 2
    case 'object': {
      if (v === null) return 8
      if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return 32 + v.byteLength
      // A Blob from the other side was read whole before it was delivered: count its bytes, like binary.
      if (typeof Blob === 'function' && v instanceof Blob) return 32 + v.size
      if (depth > 0) return 64
      let total = 32
      if (Array.isArray(v)) {
        const n = Math.min(v.length, 16)
        for (let i = 0; i < n; i++) total += estimateBytes(v[i], 1)
        return v.length > n ? (total * v.length) / n : total
      }
      let keys = 0
      for (const key in v) {
        if (++keys > 16) break
        total += 16 + estimateBytes((v as Record<string, unknown>)[key], 1)
      }
      return total
    }
    default:
      return 16
  }
}
