/**
 * Errors across the wire. Kept: `name`, `message`, `cause` (recursively), own enumerable properties (with their
 * types), `AggregateError.errors`, the registered class, and `stack` when the sender is in development mode.
 * A thrown non-Error value is rethrown as itself. `Abort(value)` becomes an `AbortError` carrying `value`.
 */
import { type Budget, budgetFor, classForName, decode, DEFAULT_MAX_NODES, encode, nameForClass } from './codec.js'
import { AbortError, DisconnectedError, isAbort, ObservableOverflowError, ProtocolError, ValidationError } from './errors.js'
import type { WireError } from './protocol.js'

const MAX_CAUSE_DEPTH = 8
/**
 * Errors one serialization or deserialization may visit. An error is a graph: `cause` and `errors` may share
 * parts (structured clone keeps them shared), so 8 levels of 10 shared errors would be 10^8 paths. Each error
 * is visited once (memoized) and the total is capped; past the cap, an error stands in for the rest.
 */
const MAX_ERRORS = 1000

interface Walk<K, V> {
  memo: Map<K, V>
  left: number
  /** Deserializing: the objects all the values in one error (thrown values, abort values, props) may visit. */
  nodes?: Budget
}
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
  ObservableOverflowError,
}

export function serializeError(e: unknown, withStack: boolean): WireError {
  return serializeOne(e, withStack, 0, { memo: new Map(), left: MAX_ERRORS })
}

function serializeOne(e: unknown, withStack: boolean, depth: number, walk: Walk<unknown, WireError>): WireError {
  const known = walk.memo.get(e)
  if (known !== undefined) return known
  if (--walk.left < 0) return { name: 'Error', message: `sluice: more than ${MAX_ERRORS} nested errors; the rest were dropped` }
  if (isAbort(e)) return { name: 'AbortError', message: 'aborted by the host', abort: safeEncode(e.value) }
  if (!(e instanceof Error)) return { name: 'Error', message: describe(e), value: safeEncode(e) }
  const out: WireError = { name: String(e.name), message: String(e.message) }
  walk.memo.set(e, out)
  if (withStack && typeof e.stack === 'string') out.stack = e.stack
  if (depth < MAX_CAUSE_DEPTH) {
    if ('cause' in e && e.cause !== undefined) out.cause = serializeOne(e.cause, withStack, depth + 1, walk)
    if (e instanceof AggregateError && Array.isArray(e.errors)) {
      out.errors = e.errors.slice(0, Math.max(0, walk.left)).map((x) => serializeOne(x, withStack, depth + 1, walk))
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

/** A short text for a thrown non-Error. Bounded: the value may be a peer's graph of shared parts. */
function describe(v: unknown): string {
  if (typeof v === 'string') return v
  let visits = 0
  try {
    return (
      JSON.stringify(v, (_key, x: unknown) => {
        if (++visits > 1000) throw new RangeError('too large to describe')
        return typeof x === 'bigint' ? `${x}n` : x
      }) ?? String(v)
    )
  } catch {
    return Object.prototype.toString.call(v)
  }
}

/** Rebuilds an error. The input may come from an untrusted peer: every field is checked, and this never throws. */
export function deserializeError(w: WireError): unknown {
  return deserializeOne(w, 0, { memo: new Map(), left: MAX_ERRORS, nodes: budgetFor(DEFAULT_MAX_NODES) })
}

function deserializeOne(w: WireError, depth: number, walk: Walk<WireError, unknown>): unknown {
  if (typeof w !== 'object' || w === null) return new ProtocolError('sluice: malformed error from the peer')
  const known = walk.memo.get(w)
  if (known !== undefined) return known
  if (--walk.left < 0) return new ProtocolError(`sluice: more than ${MAX_ERRORS} nested errors from the peer; the rest were dropped`)
  if (w.value !== undefined) return safeDecode(w.value, walk.nodes)
  const message = typeof w.message === 'string' ? w.message : ''
  const name = typeof w.name === 'string' ? w.name : 'Error'
  const causeWire = depth < MAX_CAUSE_DEPTH && w.cause !== undefined ? w.cause : undefined
  const options = causeWire !== undefined ? { cause: deserializeOne(causeWire, depth + 1, walk) } : undefined
  let err: Error
  const cls = typeof w.cls === 'string' ? classForName(w.cls) : undefined
  if (w.abort !== undefined || name === 'AbortError') {
    err = new AbortError(message, w.abort !== undefined ? safeDecode(w.abort, walk.nodes) : undefined, options)
  } else if (Array.isArray(w.errors) && depth < MAX_CAUSE_DEPTH) {
    err = new AggregateError(w.errors.slice(0, Math.max(0, walk.left)).map((x) => deserializeOne(x, depth + 1, walk)), message, options)
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
  walk.memo.set(w, err)
  if (err.name !== name) Object.defineProperty(err, 'name', { value: name, writable: true, configurable: true })
  if (typeof w.stack === 'string') Object.defineProperty(err, 'stack', { value: w.stack, writable: true, configurable: true })
  if (w.props !== undefined) {
    const props = safeDecode(w.props, walk.nodes)
    if (typeof props === 'object' && props !== null) {
      for (const [k, v] of Object.entries(props)) {
        if (k !== '__proto__' && k !== 'constructor') (err as unknown as Record<string, unknown>)[k] = v
      }
    }
  }
  return err
}

function safeDecode(v: unknown, nodes?: Budget): unknown {
  try {
    return decode(v as never, undefined, nodes)
  } catch {
    return undefined
  }
}
