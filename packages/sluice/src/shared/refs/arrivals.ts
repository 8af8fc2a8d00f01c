/**
 * Arrivals: on a client, the one place where a value from the host that holds a Blob waits for its bytes.
 *
 * A Blob or File from the host travels as a `blob` ref (blobs.ts): the value that holds it arrives at once, its
 * bytes after, under the blob's own byte window. A client hands out real Blobs, so every value the host sends
 * it (a call's result, a stream's items and return value, a nested promise's value, a stream's items, a channel's values and
 * acks, a callback's arguments, a function call's answer) goes through one step, "materialize, then deliver":
 *
 * - the frame is decoded when it arrives, in wire order, so the refs inside it exist before any frame about
 *   them can arrive;
 * - if decoding brought in a Blob (`blobImports()` grew), its bytes are read (`materialize`) as soon as the
 *   frames before it for the same key are delivered, and the frame's effect (push the items, settle the
 *   promise, call the callback) runs once they are all in;
 * - every later frame for the same key (a call, a ref) waits its turn behind it, so order is kept per key;
 *   other keys do not wait: one stream's big file never holds up another stream.
 *
 * Plain values never come here: a frame whose value holds no ref, for a key with nothing waiting, is delivered
 * as before, at the cost of one map lookup per frame (none per item).
 *
 * Memory: a stream's items arrive only under its credit window, so what waits here (metadata only: a Blob
 * waiting its turn has been granted nothing), plus what was delivered and not yet read (real Blobs), is at most
 * the stream's window of items. One value per key reads its Blobs at a time, each under its byte window.
 *
 * Lifetime: what waits for a key ends when its reader gives up (`drop`: a cancelled call, an aborted signal, a
 * stream broken out of, a channel closed from this side) or the connection closes (`close`). The transfers
 * under way are then cancelled, not read to the end: the host's source stops, and its refs and call end.
 */
import { dispose } from '../dispose.js'
import { AbortError } from '../errors.js'
import type { Encoded, RefFrame, RefKind } from '../protocol.js'
import { blobImports, holdsFile, type IncomingBlob, materialize } from './blobs.js'
import type { FrameHold, Outcome, RefTable } from './table.js'

type Key = number | string

interface Held {
  /** Its blobs are being read (or it has none). */
  started: boolean
  /** Its blobs are all in (or one failed): it may be delivered when it reaches the head of its key's queue. */
  ready: boolean
  failed: boolean
  error: unknown
  /** The files being read for it, to cancel when its reader gives up. */
  files: IncomingBlob[]
  outcomes: Outcome[]
  apply: () => void
  fail: (error: unknown) => void
  /** Stream items (not an end, a settle…): a reader that drops its items takes them unread (`skipItems`). */
  item?: true
}

export class Arrivals {
  /** Per key, what waits to be delivered, in arrival order. A key is here only while something waits. */
  private readonly queues = new Map<Key, Held[]>()

  /** `onError`: a delivery threw (a bad frame found late); report it as the frame would have been. */
  constructor(private readonly onError: (error: unknown) => void) {}

  /** Whether a frame for `key` must wait its turn. */
  busy(key: Key): boolean {
    return this.queues.size > 0 && this.queues.has(key)
  }

  /**
   * Delivers after everything before it for `key`. `outcomes`: the decoded values whose blobs must be read
   * first (undefined: nothing to read, it only waits its turn). `apply` delivers; `fail` is called instead
   * when a blob's bytes could not be read (default: `apply`, whose decode then throws the error).
   */
  add(key: Key, outcomes: Outcome[] | undefined, apply: () => void, fail: (error: unknown) => void = apply, item?: true): void {
    const held: Held = { started: outcomes === undefined, ready: outcomes === undefined, failed: false, error: undefined, files: [], outcomes: outcomes ?? [], apply, fail, item }
    let queue = this.queues.get(key)
    if (queue === undefined) this.queues.set(key, (queue = []))
    queue.push(held)
    if (queue.length === 1) this.drain(key, queue)
  }

  /**
   * `add` for a batch of stream items that brought in Blobs: each item holding one is delivered on its own once
   * its bytes are in, and the plain items between them in runs, in order. A plain item is never held up by a
   * Blob that comes after it in the same batch.
   */
  addItems(key: Key, items: unknown[], deliver: (items: unknown[]) => void, fail: (error: unknown) => void): void {
    let run: unknown[] = []
    const flush = (): void => {
      if (run.length === 0) return
      const ready = run
      run = []
      this.add(key, undefined, () => deliver(ready), fail, true)
    }
    for (const item of items) {
      if (!holdsFile(item)) {
        run.push(item)
        continue
      }
      flush()
      const outcome: Outcome = { value: item }
      this.add(key, [outcome], () => deliver([outcome.value]), fail, true)
    }
    flush()
  }

  /**
   * Nobody will read `key`'s items any more (an awaited stream call): the items waiting for their Blobs are
   * delivered now, unread (their transfers cancelled), so the reader drops them, ending the refs in them and
   * granting their credit back. What else waits (the stream's end and its return value) keeps its turn.
   */
  skipItems(key: Key, reason: unknown): void {
    const queue = this.queues.get(key)
    if (queue === undefined) return
    for (const held of queue) {
      if (held.item !== true || held.ready) continue
      for (const f of held.files) f.cancel(reason)
      held.started = held.ready = true
    }
    this.drain(key, queue)
  }

  /**
   * Delivers the ready values at the head of `key`'s queue, in order, and starts reading the blobs of the
   * first one that is not ready. One value's blobs at a time per key: a stream's bytes in flight stay within
   * one value's byte windows, however many of its items wait.
   */
  private drain(key: Key, queue: Held[]): void {
    while (this.queues.get(key) === queue && queue.length > 0) {
      const held = queue[0]!
      if (!held.ready) {
        if (!held.started) this.read(key, queue, held)
        return
      }
      queue.shift()
      if (queue.length === 0) this.queues.delete(key)
      try {
        if (held.failed) held.fail(held.error)
        else held.apply()
      } catch (e) {
        this.onError(e)
      }
    }
  }

  private read(key: Key, queue: Held[], held: Held): void {
    held.started = true
    const { outcomes } = held
    void Promise.all(
      outcomes.map(async (o) => {
        if (!o.failed) o.value = await materialize(o.value, held.files)
      }),
    )
      .catch((e: unknown) => {
        held.failed = true
        held.error = e
        for (const f of held.files) f.cancel(e)
        for (const o of outcomes) Object.assign(o, { failed: true, error: e, value: undefined })
      })
      .then(() => {
        held.ready = true
        this.drain(key, queue)
      })
  }

  /** The reader of `key` gave up: cancel the transfers under way and end what waits, undelivered. */
  drop(key: Key, reason: unknown): void {
    if (this.queues.size === 0) return
    const queue = this.queues.get(key)
    if (queue === undefined) return
    this.queues.delete(key)
    for (const held of queue) discard(held, reason)
  }

  /** The connection closed: nothing waiting will be delivered. */
  close(error: Error): void {
    const queues = [...this.queues.values()]
    this.queues.clear()
    for (const queue of queues) for (const held of queue) discard(held, error)
  }
}

function discard(held: Held, reason: unknown): void {
  for (const f of held.files) f.cancel(reason)
  // The rest of what is live in it (a nested stream, a channel, a file not read yet) ends too.
  for (const o of held.outcomes) if (!o.failed) dispose(o.value, reason)
}

// ===============================================================================================================
// A client's ref frames (RefTable's `hold` option): the host bundle never carries this
// ===============================================================================================================

/**
 * What a client's RefTable holds its frames with. Every frame about a ref goes through `hold` first: it decodes
 * the frame's values now, in wire order (the refs in them must exist before frames about them arrive), and
 * takes the frame to deliver later when a value brought in a Blob, or when its ref already has a frame waiting.
 * A plain frame for a ref with nothing waiting costs a map lookup, and is delivered at once.
 */
export function frameHold(onError: (error: unknown) => void): (table: RefTable) => FrameHold {
  return (table) => {
    const arrivals = new Arrivals(onError)
    return {
      hold(frame) {
        let key: number | string
        switch (frame.t) {
          case 'ref-push':
          case 'ref-bytes':
          case 'ref-end':
          case 'ref-settle':
          case 'ref-call':
          case 'ref-ack':
            key = frame.ref
            break
          case 'ref-result':
            key = `result ${frame.call}`
            break
          default:
            return false
        }
        const busy = arrivals.busy(key)
        // Items nobody will read (an awaited stream call) are dropped at once: their Blobs' transfers are cancelled.
        if (!busy && frame.t === 'ref-push' && table.discards(frame.ref)) return false
        const encoded = valuesWithRefs(frame)
        if (encoded === undefined && !busy) return false
        // A frame about a ref that is gone (late items after a cancel) is ignored as before, undecoded.
        if (!busy && typeof key === 'number' && !table.has(key)) return false
        const before = blobImports()
        const outcomes = encoded?.map((e) => table.decodeEarly(frame, e))
        const blobs = blobImports() !== before
        // Nothing to wait for: delivered now, and its decode takes the value just decoded.
        if (!blobs && !busy) return false
        const late = () => table.receive(frame, true)
        // Items or acks that can never be delivered end their stream or channel, with the reason, both ways.
        const ref = key as number
        const cut = frame.t === 'ref-push' || frame.t === 'ref-ack' ? (e: unknown) => table.cut(ref, e) : late
        if (frame.t === 'ref-push' && blobs && !outcomes![0]!.failed) {
          // Each item holding a Blob waits for its own bytes; the plain items around it do not.
          table.forgetEarly(frame)
          arrivals.addItems(key, outcomes![0]!.value as unknown[], (ready) => table.pushItems(ref, ready), cut)
        } else arrivals.add(key, blobs ? outcomes : undefined, late, cut)
        return true
      },
      discard: (id) => arrivals.skipItems(id, new AbortError('sluice: the call was awaited, so its yields are dropped unread')),
      forgot(id: number, kind: RefKind) {
        // Its reader gave up (or it ended): values still waiting for their Blobs' bytes are not delivered.
        if (kind === 'readable' || kind === 'iterable' || kind === 'channel') arrivals.drop(id, new AbortError('sluice: the reader went away before this value was delivered'))
      },
      close: (error) => arrivals.close(error),
    }
  }
}

/** The encoded values of `frame` that hold refs (the frame itself for stream items), or undefined if none do. */
function valuesWithRefs(frame: RefFrame): object[] | undefined {
  const withRefs = (e: unknown): boolean => typeof e === 'object' && e !== null && (e as Encoded).r !== undefined
  switch (frame.t) {
    case 'ref-push':
      return frame.enc !== undefined ? [frame] : undefined
    case 'ref-settle':
    case 'ref-result':
    case 'ref-end':
      return withRefs(frame.value) ? [frame.value!] : undefined
    case 'ref-call':
      return withRefs(frame.args) ? [frame.args] : undefined
    case 'ref-ack': {
      if (typeof frame.v !== 'object' || frame.v === null) return undefined
      const values = Object.values(frame.v as Record<string, Encoded>).filter(withRefs)
      return values.length > 0 ? values : undefined
    }
    default:
      return undefined
  }
}
