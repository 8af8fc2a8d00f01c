/**
 * The stream driver: pulls a generator only while the client has credit, and batches what it yields.
 *
 * ============================================================================================================
 * Credit invariant
 * ============================================================================================================
 * `credit` is how many more items the client has room for. It starts at the host's `credit` option (64) and
 * goes down by one per yield; `credit` frames from the client add to it. The driver calls `next()` only while
 * credit > 0, so at most `credit` items are ever outstanding (sent or batched but not yet acknowledged), and a
 * client that stops reading leaves the generator suspended at its last `yield`, holding nothing more.
 *
 * Batches are posted when half the window is pending (and when the window is used up), on top of the
 * outbox's own rules (end of task, 64 items, 10 ms), so that producing and consuming overlap.
 *
 * ============================================================================================================
 * Ordering invariant
 * ============================================================================================================
 * Yields go into the connection's outbox as they are produced; `return` and `error` go in after them and
 * flush at once. The outbox never reorders, so the client sees every yield before the end of its stream.
 */
import { dispose } from '../shared/dispose.js'
import type { Encoded } from '../shared/protocol.js'
import type { Outbox } from '../shared/outbox.js'
import type { Call, StreamState } from './call.js'
import { contextFollowsAwait, contextStore } from './context.js'

export interface DriverHooks {
  credit: number
  outbox: Outbox
  encode: (value: unknown) => Encoded
  /**
   * Sends the generator's return value after its yields (and flushes), holding the call open while live values
   * in it last. Throws, sending nothing, when the value cannot be sent.
   */
  returned: (value: unknown) => void
  /** The generator threw, or a value could not be encoded. */
  fail: (e: unknown) => void
  /** The generator finished normally. */
  finish: (reason: unknown) => void
}

export function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  if (typeof x !== 'object' || x === null) return false
  // A ReadableStream is async-iterable in Node, but it travels as a ReadableStream (a ref), not as a stream call.
  if (typeof ReadableStream === 'function' && x instanceof ReadableStream) return false
  return typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
}

export function startStream(entry: Call, iterable: AsyncIterable<unknown>, hooks: DriverHooks): void {
  let iterator: AsyncIterator<unknown>
  try {
    iterator = contextStore.run(entry, () => iterable[Symbol.asyncIterator]())
  } catch (e) {
    return hooks.fail(e)
  }
  const state: StreamState = { iterator, credit: hooks.credit, wake: undefined }
  entry.stream = state
  void contextStore.run(entry, () => drive(entry, state, hooks))
}

async function drive(entry: Call, state: StreamState, hooks: DriverHooks): Promise<void> {
  const { id } = entry
  const half = Math.floor(hooks.credit / 2)
  try {
    for (;;) {
      if (state.credit <= 0) {
        await new Promise<void>((resolve) => (state.wake = resolve))
        state.wake = undefined
        if (entry.done) return
        continue
      }
      // Without AsyncLocalStorage, each step must enter the call's context for getContext() to work in the
      // generator's body. With it, this loop already runs inside the context (see startStream).
      const step = await (contextFollowsAwait ? state.iterator.next() : contextStore.run(entry, () => state.iterator.next()))
      if (entry.done) {
        // Cancelled while producing: the cancel path owns return() and onClose. This item will never be read.
        if (step.done !== true) dispose(step.value, entry.reason)
        return
      }
      if (step.done) {
        hooks.returned(step.value)
        hooks.finish(undefined)
        return
      }
      state.credit--
      hooks.outbox.pushItem('yield', id, hooks.encode(step.value))
      // Post each half window as soon as it is full: the client reads the first half while this side produces
      // the second, instead of the two taking turns over whole windows (measured 1.5× the yields/s).
      if (state.credit === 0 || state.credit === half) hooks.outbox.flush()
    }
  } catch (e) {
    // After a cancel, the generator usually throws because its signal aborted: that is the expected end.
    if (entry.done) return
    hooks.fail(e)
  }
}

/**
 * Ends an iterator so its `finally` runs, and never throws: not when `return()` is missing, not when it (or
 * getting the iterator) throws. Deferred to a microtask, so a synchronous throw becomes a swallowed rejection.
 */
export function closeIterator(get: () => AsyncIterator<unknown>): Promise<void> {
  return Promise.resolve()
    .then(() => get().return?.())
    .then(
      () => {},
      () => {},
    )
}
