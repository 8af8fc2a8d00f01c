/**
 * A stream call's generator, as the source of its stream. A stream call's result is its iterable, exported as
 * a ref like any other (shared/refs/streams.ts): the flow engine (shared/flow/pump.ts) pulls it only while the
 * client has credit, and batches what it yields. This file adds what is particular to a call: its context.
 */
import { isObservable } from '../shared/observable-like.js'
import type { Source } from '../shared/flow/pump.js'
import type { Call } from './call.js'
import { contextFollowsAwait, contextStore } from './context.js'

export function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  if (typeof x !== 'object' || x === null) return false
  // A ReadableStream is async-iterable in Node, but it travels as a ReadableStream (a ref), not as a stream call.
  if (typeof ReadableStream === 'function' && x instanceof ReadableStream) return false
  // An Observable travels as an Observable (a ref) even when it is async-iterable too.
  if (isObservable(x)) return false
  return typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
}

/**
 * The call's generator as a stream source. With AsyncLocalStorage, the pump runs inside the call's context from
 * its first grant (host.ts makes it there), and every step inherits it. Without, each step enters the context,
 * so getContext() works in the generator's body up to its first `await`.
 */
export function callSource(entry: Call, iterator: AsyncIterator<unknown>): Source {
  return {
    next: contextFollowsAwait ? () => iterator.next() : () => contextStore.run(entry, () => iterator.next()),
    cancel: () => iterator.return?.(),
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
