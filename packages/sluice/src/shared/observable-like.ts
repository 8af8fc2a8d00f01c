/**
 * What counts as an Observable: a predicate on a value's shape, kept apart from the Observable ref kind
 * (refs/observables.ts) so the value layer (codec.ts `refKindOf`) and the stream driver (main/stream.ts) can
 * ask it without importing a ref kind.
 *
 * The structural rule: an object is an Observable when it has a callable `[Symbol.observable]` (if that symbol
 * exists) or `['@@observable']`: the interop method every Observable library defines, which RxJS's `from()`
 * reads too. A `subscribe` member alone is not enough: `{ subscribe(cb) {...} }` stays a bag of callbacks. A
 * thenable is never one: a StreamCall has the interop method (for `rxjs.from()`) but travels as a pull stream.
 */

/** The interop key when the runtime has no `Symbol.observable` (RxJS uses the same fallback). */
export const INTEROP = '@@observable'

/** `Symbol.observable`, when a library (or the runtime) has defined it. */
export function interopSymbol(): symbol | undefined {
  const sym = (Symbol as { observable?: unknown }).observable
  return typeof sym === 'symbol' ? sym : undefined
}

/**
 * True when `v` travels as an Observable (see the structural rule above). A thenable with the interop method
 * (a StreamCall, which offers it for `rxjs.from()`) is a pull stream first and keeps travelling as one.
 */
export function isObservable(v: object): boolean {
  const sym = interopSymbol()
  const interop = (sym !== undefined && typeof (v as Record<symbol, unknown>)[sym] === 'function') || typeof (v as Record<string, unknown>)[INTEROP] === 'function'
  return interop && typeof (v as PromiseLike<unknown>).then !== 'function'
}
