/**
 * Arrivals: on a client, the one place where a value from the host that holds a Blob waits for its bytes.
 *
 * A Blob or File from the host travels as a `blob` ref (blobs.ts): the value that holds it arrives at once, its
 * bytes after, under the blob's own byte window. A client hands out real Blobs, so every value the host sends
 * it (a call's result, yield or return, a nested promise's value, a stream's items, a channel's values and
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
import { holdsFile, type IncomingBlob, materialize } from './blobs.js'

/** A value decoded on arrival, handed to its frame's effect later (RefTable.decode hands it out once). */
export interface Outcome {
  value?: unknown
  failed?: boolean
  error?: unknown
}

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
  add(key: Key, outcomes: Outcome[] | undefined, apply: () => void, fail: (error: unknown) => void = apply): void {
    const held: Held = { started: outcomes === undefined, ready: outcomes === undefined, failed: false, error: undefined, files: [], outcomes: outcomes ?? [], apply, fail }
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
      this.add(key, undefined, () => deliver(ready), fail)
    }
    for (const item of items) {
      if (!holdsFile(item)) {
        run.push(item)
        continue
      }
      flush()
      const outcome: Outcome = { value: item }
      this.add(key, [outcome], () => deliver([outcome.value]), fail)
    }
    flush()
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
