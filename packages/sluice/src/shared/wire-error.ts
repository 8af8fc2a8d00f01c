/**
 * Errors across the wire. Kept: `name`, `message`, `cause` (recursively), own enumerable properties (with their
 * types), `AggregateError.errors`, the registered class, and `stack` when the sender is in development mode.
 * A thrown non-Error value is rethrown as itself. `Abort(value)` becomes an `AbortError` carrying `value`.
 */
import { classForName, decode, encode, nameForClass } from './codec.js'
import { AbortError, DisconnectedError, isAbort, ProtocolError, ValidationError } from './errors.js'
import type { WireError } from './protocol.js'

const MAX_CAUSE_DEPTH = 8
const SKIPPED_PROPS = new Set(['name', 'message', 'stack', 'cause', 'errors'])

const builtins: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  ProtocolError,
  DisconnectedError,
}

export function serializeError(e: unknown, withStack: boolean, depth = 0): WireError {
  if (isAbort(e)) return { name: 'AbortError', message: 'aborted by the host', abort: safeEncode(e.value) }
  if (!(e instanceof Error)) return { name: 'Error', message: describe(e), value: safeEncode(e) }
  const out: WireError = { name: String(e.name), message: String(e.message) }
  if (withStack && typeof e.stack === 'string') out.stack = e.stack
  if (depth < MAX_CAUSE_DEPTH) {
    if ('cause' in e && e.cause !== undefined) out.cause = serializeError(e.cause, withStack, depth + 1)
    if (e instanceof AggregateError && Array.isArray(e.errors)) {
      out.errors = e.errors.map((x) => serializeError(x, withStack, depth + 1))
    }
  }
  if (e instanceof AbortError) out.abort = safeEncode(e.abortValue)
  const cls = nameForClass(e.constructor)
  if (cls !== undefined) out.cls = cls
  let props: Record<string, unknown> | undefined
  for (const key of Object.keys(e)) {
    if (SKIPPED_PROPS.has(key) || (e instanceof AbortError && key === 'abortValue')) continue
    ;(props ??= {})[key] = (e as unknown as Record<string, unknown>)[key]
  }
  if (props !== undefined) out.props = safeEncode(props)
  return out
}

/** Encoding an error must never fail: a value that cannot be sent is described instead. */
function safeEncode(v: unknown) {
  try {
    return encode(v)
  } catch {
    return { v: describe(v) }
  }
}

function describe(v: unknown): string {
  try {
    return typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v))
  } catch {
    return Object.prototype.toString.call(v)
  }
}

/** Rebuilds an error. The input may come from an untrusted peer: every field is checked, and this never throws. */
export function deserializeError(w: WireError, depth = 0): unknown {
  if (typeof w !== 'object' || w === null) return new ProtocolError('sluice: malformed error from the peer')
  if (w.value !== undefined) return safeDecode(w.value)
  const message = typeof w.message === 'string' ? w.message : ''
  const name = typeof w.name === 'string' ? w.name : 'Error'
  const causeWire = depth < MAX_CAUSE_DEPTH && w.cause !== undefined ? w.cause : undefined
  const options = causeWire !== undefined ? { cause: deserializeError(causeWire, depth + 1) } : undefined
  let err: Error
  const cls = typeof w.cls === 'string' ? classForName(w.cls) : undefined
  if (w.abort !== undefined || name === 'AbortError') {
    err = new AbortError(message, w.abort !== undefined ? safeDecode(w.abort) : undefined, options)
  } else if (Array.isArray(w.errors) && depth < MAX_CAUSE_DEPTH) {
    err = new AggregateError(w.errors.map((x) => deserializeError(x, depth + 1)), message, options)
  } else if (name === 'ValidationError') {
    err = new ValidationError(message, [])
  } else if (cls !== undefined) {
    // Rebuild without running the constructor: its parameters are the class's business, not ours.
    err = Object.create(cls.prototype) as Error
    Object.defineProperty(err, 'message', { value: message, writable: true, configurable: true })
    if (options) Object.defineProperty(err, 'cause', { value: options.cause, writable: true, configurable: true })
  } else {
    const Ctor = Object.hasOwn(builtins, name) ? builtins[name]! : Error
    err = new Ctor(message)
    if (options) Object.defineProperty(err, 'cause', { value: options.cause, writable: true, configurable: true })
  }
  if (err.name !== name) Object.defineProperty(err, 'name', { value: name, writable: true, configurable: true })
  if (typeof w.stack === 'string') Object.defineProperty(err, 'stack', { value: w.stack, writable: true, configurable: true })
  if (w.props !== undefined) {
    const props = safeDecode(w.props)
    if (typeof props === 'object' && props !== null) {
      for (const [k, v] of Object.entries(props)) {
        if (k !== '__proto__' && k !== 'constructor') (err as unknown as Record<string, unknown>)[k] = v
      }
    }
  }
  return err
}

function safeDecode(v: unknown): unknown {
  try {
    return decode(v as never)
  } catch {
    return undefined
  }
}
