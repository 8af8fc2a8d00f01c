/**
 * The stream driver: pulls a generator only while the client has credit, and batches what it yields.
 *
 * ============================================================================================================
 * Credit invariant
 * ============================================================================================================
 * The generator's producer side is a `Credit` (shared/flow/credit.ts), like every other producer's. It starts
 * with the window the client asked for in its `call` frame (64 by default) and goes down by one per yield;
 * `credit` frames add to it. The driver calls `next()` only while it can take a credit, so at most the granted
 * window is ever outstanding, and a client that stops reading leaves the generator suspended at its `yield`.
 *
 * Batches are posted by the shared rule (flow/pump.ts `BatchRule`): once half of what the credit allowed at the
 * start of the batch is out, and when credit runs out; so a window that grew to thousands of items goes out in
 * posts of hundreds. The outbox adds its end-of-task and 10 ms flushes.
 *
 * ============================================================================================================
 * Ordering invariant
 * ============================================================================================================
 * Yields go into the connection's outbox as they are produced; `return` and `error` go in after them and
 * flush at once. The outbox never reorders, so the client sees every yield before the end of its stream.
 */
import { dispose } from '../shared/dispose.js'
import { isObservable } from '../shared/observable-like.js'
import type { Outbox } from '../shared/outbox.js'
import { Credit } from '../shared/flow/credit.js'
import { BatchRule } from '../shared/flow/pump.js'
import type { Call, StreamState } from './call.js'
import { contextFollowsAwait, contextStore } from './context.js'

export interface DriverHooks {
  maxCredit: number
  outbox: Outbox
  /** Encodes one yield into the outbox (RefTable.pushItem). Throws, sending nothing, when it cannot be sent. */
  push: (value: unknown) => void
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
  // An Observable travels as an Observable (a ref) even when it is async-iterable too.
  if (isObservable(x)) return false
  return typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
}

export function startStream(entry: Call, iterable: AsyncIterable<unknown>, hooks: DriverHooks): void {
  let iterator: AsyncIterator<unknown>
  try {
    iterator = contextStore.run(entry, () => iterable[Symbol.asyncIterator]())
  } catch (e) {
    return hooks.fail(e)
  }
  const state: StreamState = { iterator, credit: new Credit(entry.window, hooks.maxCredit) }
  entry.stream = state
  void contextStore.run(entry, () => drive(entry, state, hooks))
}

async function drive(entry: Call, state: StreamState, hooks: DriverHooks): Promise<void> {
  const { id } = entry
  const { credit } = state
  const batch = new BatchRule()
  try {
    for (;;) {
      if (!credit.take()) {
        await credit.wait()
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
      hooks.push(step.value)
      if (batch.sentOne(credit.available)) hooks.outbox.flush()
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
