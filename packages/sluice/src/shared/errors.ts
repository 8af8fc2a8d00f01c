/**
 * Errors that sluice itself raises, and the `Abort` marker for expected rejections.
 * Each class sets `name` so that it survives the wire and reads well in a devtools console.
 */

/** A peer broke the protocol: a malformed frame, an unknown method, a bad argument count, a limit exceeded. */
export class ProtocolError extends Error {
  override name = 'ProtocolError'
}

/** The connection to the other side closed (window closed, reloaded, crashed, or `close()` was called). */
export class DisconnectedError extends Error {
  override name = 'DisconnectedError'
}

/**
 * The call was cancelled, or the handler answered with `throw Abort(value)`.
 * `abortValue` is the value given to `Abort`, or `undefined` for a cancellation.
 */
export class AbortError extends Error {
  override name = 'AbortError'
  readonly abortValue: unknown
  constructor(message: string, abortValue?: unknown, options?: ErrorOptions) {
    super(message, options)
    this.abortValue = abortValue
  }
}

/** Runtime validation of a call's arguments failed (see `validated`). `issues` lists what was wrong. */
export class ValidationError extends Error {
  override name = 'ValidationError'
  readonly issues: readonly { message: string; path?: readonly (PropertyKey | { key: PropertyKey })[] }[]
  constructor(message: string, issues: ValidationError['issues']) {
    super(message)
    this.issues = issues
  }
}

/**
 * A subscription of an Observable sent to the peer failed because the peer did not read fast enough: the items
 * waiting for credit passed one full window of the sending side (`flow.maxWindow` items or `flow.maxWindowBytes`
 * bytes). The source was unsubscribed; the peer's subscriber receives this as its error, after what it already
 * received.
 */
export class ObservableOverflowError extends RangeError {
  override name = 'ObservableOverflowError'
}

const ABORT = Symbol.for('sluice.abort')

/** What `Abort(value)` returns: throw it from a handler to reject the call with an `AbortError` carrying `value`. */
export interface AbortSignalValue<T = unknown> {
  readonly [ABORT]: true
  readonly value: T
}

/**
 * Process: Main (any host).
 * `throw Abort(value)` in a handler rejects the client's call with an `AbortError` whose `abortValue` is
 * `value`: an expected answer (unauthorized, not found), kept apart from bugs.
 * @see sluice/docs/api.md#abort
 */
export function Abort<T>(value: T): AbortSignalValue<T> {
  return { [ABORT]: true, value }
}

export function isAbort(x: unknown): x is AbortSignalValue {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[ABORT] === true
}
