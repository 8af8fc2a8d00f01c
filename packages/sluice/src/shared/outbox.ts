import { mustPostNow } from './codec.js'
import type { Encoded, Envelope, Frame, Items, RefPushFrame } from './protocol.js'
import type { Schedule } from './schedule.js'

export interface OutboxOptions {
  /** Flush when this many items (frames plus yielded items) are pending. */
  maxItems: number
  /**
   * Flush when this many request/response frames (calls, results, acks…) are pending. Smaller than `maxItems`
   * on purpose: a burst of 64 calls sent as 4 posts of 16 lets the peer start answering the first ones while
   * the rest are still being made, so both sides work at once instead of taking turns. Default 16.
   */
  maxFrames?: number
  /** Flush when the oldest pending item has waited this long under continuous production. */
  maxDelayMs: number
  /** When to flush an idle batch: after the current task (host) or after microtasks (client). */
  schedule: Schedule
  /**
   * Told about a frame that postMessage refused (a value structured clone cannot carry slipped past the
   * encoder). The connection turns it into an error for whoever was waiting on that frame.
   */
  onPostError?: (frame: Frame, error: unknown) => void
  /**
   * When to flush a batch that holds stream items. Items come from async producers that advance through
   * microtasks, so a microtask flush would send them one by one; default: `schedule`.
   */
  itemSchedule?: Schedule
}

/**
 * Coalesces outgoing frames into one postMessage per flush, per port.
 *
 * Ordering invariant: frames leave in exactly the order they were pushed, and items of one stream that are
 * pushed back to back share one `ref-push` frame. A stream's `ref-end` is pushed after its pending items, so
 * it can never overtake them.
 */
export class Outbox {
  private frames: Frame[] = []
  private items = 0
  private control = 0
  private firstAt = 0
  private scheduled = false
  private closed = false
  /** postMessage calls made so far: tests use it to check batching. */
  posts = 0
  /** When the last post was made (`now()`), for the leading edge (see idle). */
  private postedAt = -Infinity

  constructor(
    private readonly post: (envelope: Envelope) => void,
    private readonly options: OutboxOptions,
  ) {}

  push(frame: Frame): void {
    if (this.closed) return
    this.frames.push(frame)
    if (++this.control >= (this.options.maxFrames ?? 16) || carriesSharedBytes(frame)) return this.flush()
    this.added(1)
  }

  /**
   * Adds one plain item (already a snapshot, see codec.ts copyItem) to stream `ref`: the hot path, with no
   * wrapper per item. `shared`: it holds binary by reference and must leave now.
   */
  pushPlainItem(ref: number, value: unknown, shared: boolean): void {
    this.addItem(ref, value, undefined, shared)
  }

  /**
   * The leading edge: nothing is pending and nothing was posted for IDLE_MS, so this item starts a quiet stream's
   * next item or a new burst. It leaves at once instead of after the task: the wait (a setImmediate, ~15 µs on
   * this VM) was half of an idle item's latency. Only the first item after a pause goes alone; a burst's next
   * items find it gone and batch as before, and an item every millisecond was posted alone anyway.
   */
  private idle(): boolean {
    return this.frames.length === 0 && now() - this.postedAt >= IDLE_MS
  }

  /** The frame the next item of stream `ref` goes into: the last one when it is that stream's, else a new one. */
  private itemsFrame(ref: number): Items {
    const last = this.frames[this.frames.length - 1]
    if (last !== undefined && last.t === 'ref-push' && last.ref === ref) return last
    const frame: RefPushFrame = { t: 'ref-push', ref, items: [] }
    this.frames.push(frame)
    return frame
  }

  /** Adds one encoded item to stream `ref`; its superjson meta and refs, if any, go in the frame's `enc`. */
  pushItem(ref: number, item: Encoded): void {
    let extra: Omit<Encoded, 'v'> | undefined
    if (item.m !== undefined || item.r !== undefined) {
      extra = {}
      if (item.m !== undefined) extra.m = item.m
      if (item.r !== undefined) extra.r = item.r
    }
    // Binary kept by reference (codec.ts, SHARED_BYTES) leaves now: postMessage's copy is its snapshot.
    this.addItem(ref, item.v, extra, mustPostNow(item))
  }

  /** Adds one item to stream `ref`, extending the last frame when it is the same stream's `ref-push`. */
  private addItem(ref: number, value: unknown, extra: Omit<Encoded, 'v'> | undefined, postNow: boolean): void {
    if (this.closed) return
    const idle = this.idle()
    const frame = this.itemsFrame(ref)
    if (extra !== undefined) (frame.enc ??= {})[frame.items.length] = extra
    frame.items.push(value)
    if (postNow || idle) return this.flush()
    this.added(1, this.options.itemSchedule ?? this.options.schedule)
  }

  private added(n: number, schedule: Schedule = this.options.schedule): void {
    this.items += n
    if (this.items === n) this.firstAt = Date.now()
    // The clock is read for each of a batch's first 64 items, then for every 16th: only a producer making more
    // than 6 items a millisecond gets that far, and for it 16 items are a fraction of the 10 ms, while a clock
    // read per item was 5% of the host's time at a million items a second.
    if (this.items >= this.options.maxItems || ((this.items < 64 || (this.items & 15) === 0) && Date.now() - this.firstAt >= this.options.maxDelayMs)) {
      this.flush()
    } else if (!this.scheduled) {
      this.scheduled = true
      schedule(this.onSchedule)
    }
  }

  private readonly onSchedule = (): void => {
    this.scheduled = false
    this.flush()
  }

  flush(): void {
    if (this.frames.length === 0) return
    const frames = this.frames
    this.frames = []
    this.items = 0
    this.control = 0
    this.posts++
    this.postedAt = now()
    try {
      this.post(frames)
    } catch {
      // Never let a refused post escape into the event loop: retry frame by frame, in order, and hand each
      // frame that is still refused to the connection, which answers with an error. Later frames of the same
      // call or ref are dropped: that error replaces them, and must not arrive after a `return`.
      const failed = new Set<string>()
      for (const frame of frames) {
        const key = 'id' in frame ? `id:${frame.id}` : 'ref' in frame ? `ref:${frame.ref}` : undefined
        if (key !== undefined && failed.has(key)) continue
        try {
          this.post([frame])
        } catch (e) {
          if (key !== undefined) failed.add(key)
          this.options.onPostError?.(frame, e)
        }
      }
    }
  }

  /** Drops anything pending and refuses further frames: the port is gone. */
  close(): void {
    this.closed = true
    this.frames = []
    this.items = 0
    this.control = 0
  }
}

/** A quiet spell after which a stream item leaves at once (see Outbox.idle). */
const IDLE_MS = 0.5
const now: () => number = typeof performance === 'object' ? () => performance.now() : () => Date.now()

/** A frame whose value holds binary by reference (see codec.ts SHARED_BYTES), which must be posted at once. */
function carriesSharedBytes(frame: Frame): boolean {
  const f = frame as { value?: Encoded; args?: Encoded; payload?: Encoded }
  const encoded = f.value ?? f.args ?? f.payload
  return encoded !== undefined && mustPostNow(encoded)
}
