/**
 * fast-check arbitraries for hostile envelopes: protocol-shaped frames of every tag (the client's, the host's
 * and made-up ones), with valid and invalid ids, refs of every kind in values, DAG-shaped values and errors,
 * credits, grants, cancels and ends. Ids are drawn from a small range on purpose, so frames collide with the
 * calls and refs that earlier frames of the same sequence opened, which is where the state bugs live.
 *
 * Shared by test/reliability/fuzz.test.ts and bench/fuzz.ts.
 */
import fc from 'fast-check'
import { TRIPWIRE_PATHS } from '../fixtures/hostile-api.js'
import { dag, dagWireError } from './raw.js'

/** The api's real methods (see fixtures/hostile-api.ts), minus `fireCallback`, whose cost the fuzz cannot bound. */
const METHODS = ['add', 'echo', 'ignore', 'awaitIt', 'slow', 'lingering', 'callOnce', 'keep', 'forget', 'sink', 'takeChannel', 'openChannel', 'readable', 'total', 'count', 'chaos']

const junk = fc.constantFrom<unknown>(0, -1, 1.5, Number.NaN, Infinity, 2 ** 53, -(2 ** 53), '1', '', null, undefined, true, [], {}, [1], { v: 1 })

/** Call ids: mostly a few small ones, so calls, credits and cancels meet. */
const callId = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 12 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 ** 31 }) }, { weight: 1, arbitrary: junk })

/** Ref ids: the client's own (positive, as a client exports), the host's (negative), and junk. */
const refId = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 12 }) }, { weight: 5, arbitrary: fc.integer({ min: -12, max: -1 }) }, { weight: 1, arbitrary: junk })

const count = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 128 }) }, { weight: 1, arbitrary: fc.constantFrom(1024, 1025, 2 ** 31, 2 ** 53 - 1) }, { weight: 1, arbitrary: junk })

const refKind = fc.constantFrom<unknown>('function', 'promise', 'readable', 'iterable', 'channel', 'signal', 'observable', 'weird', 7)

const pollution = fc.constantFrom<unknown>(
  JSON.parse('{"__proto__": {"polluted": "yes"}}'),
  JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}}'),
  { toString: 'not a function', valueOf: 1, hasOwnProperty: null },
)

/**
 * Names a DAG for fast-check's report: printed as a tree, a 30-level DAG is 2^30 lines, and the report of a
 * failure would itself die of it. The name is a symbol-keyed property, which structured clone leaves behind.
 */
const named = <T extends object>(value: T, name: string): T => Object.defineProperty(value, fc.toStringMethod, { value: () => name })

/** A DAG `levels` deep: a handful of objects that a tree walk sees 2^levels times. */
const dagValue = fc.integer({ min: 1, max: 30 }).map((n) => named(dag(n), `dag(${n})`))
const dagError = fc.integer({ min: 1, max: 30 }).map((n) => named(dagWireError(n), `dagWireError(${n})`))

const plain: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.oneof(fc.integer({ min: -5, max: 100 }), fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: pollution },
  { weight: 1, arbitrary: dagValue },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(new Date(0), new Map([[1, 2]]), new Set([1]), new Uint8Array(3), 10n) },
)

/** A ref slot: usually well formed at the top level of an argument array, sometimes not. */
const refSlot = fc.tuple(
  fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 2 }).map((i) => [i]) }, { weight: 1, arbitrary: fc.constantFrom<unknown>([], ['__proto__'], [0, 'x', 9], 'path', [-1]) }),
  refKind,
  refId,
)

/** An `Encoded`, or something that only looks like one. */
const encoded: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.array(plain, { maxLength: 3 }).map((v) => ({ v })) },
  {
    weight: 4,
    arbitrary: fc.tuple(fc.array(plain, { maxLength: 2 }), fc.array(refSlot, { minLength: 1, maxLength: 3 })).map(([v, r]) => {
      // Long enough for every well-formed slot, and no longer: extra arguments would only meet the arity check.
      const slots = r.map(([p]) => (Array.isArray(p) && typeof p[0] === 'number' && p.length === 1 ? p[0] : -1))
      const args = [...v]
      for (const i of slots) if (i >= 0) args[i] = null
      return { v: Array.from(args, (x) => x ?? null), r }
    }),
  },
  { weight: 1, arbitrary: fc.tuple(plain, fc.oneof(junk, fc.jsonValue({ maxDepth: 2 }), pollution)).map(([v, m]) => ({ v, m })) },
  { weight: 1, arbitrary: junk },
)

const wireError: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ name: fc.constantFrom('Error', 'TypeError', 'AbortError', 'QuotaError', '__proto__'), message: fc.string({ maxLength: 8 }) }) },
  { weight: 2, arbitrary: dagError },
  { weight: 1, arbitrary: fc.record({ name: fc.constant('Error'), message: fc.constant('x'), props: encoded, cls: fc.constantFrom('QuotaError', 'Nope', '__proto__') }) },
  { weight: 1, arbitrary: fc.record({ name: fc.constant('Error'), message: fc.constant('x'), abort: encoded, value: encoded }) },
  { weight: 1, arbitrary: junk },
)

const path = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...METHODS).map((m) => [m]) },
  { weight: 1, arbitrary: fc.constant(['ns', 'inner', 'ping']) },
  { weight: 3, arbitrary: fc.constantFrom(...TRIPWIRE_PATHS) },
  { weight: 1, arbitrary: fc.oneof(fc.array(fc.string({ maxLength: 6 }), { maxLength: 10 }), junk) },
)

const items = fc.array(plain, { maxLength: 8 })

const frame: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('call'), id: callId, path, args: encoded }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('cancel'), id: callId }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('ref-call'), ref: refId, call: callId, args: encoded }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('ref-result'), call: callId, value: encoded, error: wireError }, { requiredKeys: ['t', 'call'] }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('ref-release'), ref: refId, n: count }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('ref-settle'), ref: refId, value: encoded, error: wireError }, { requiredKeys: ['t', 'ref'] }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('ref-push'), ref: refId, items, enc: fc.oneof(junk, fc.constant({ 0: { m: 1, r: [[[0], 'function', 3]] } })) }, { requiredKeys: ['t', 'ref', 'items'] }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('ref-pull'), ref: refId, n: count, b: fc.oneof(count, junk) }, { requiredKeys: ['t', 'ref', 'n'] }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('ref-bytes'), ref: refId, bytes: fc.oneof(fc.uint8Array({ maxLength: 64 }), junk) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('ref-ack'), ref: refId, n: count, v: fc.oneof(junk, fc.dictionary(fc.constantFrom('0', '1', '7', '-1', 'x'), encoded)), e: fc.oneof(junk, fc.dictionary(fc.constantFrom('0', '1'), wireError)) }, { requiredKeys: ['t', 'ref', 'n'] }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('ref-end'), ref: refId, error: wireError, cancel: fc.constant(true) }, { requiredKeys: ['t', 'ref'] }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('ref-end'), ref: refId, value: encoded }, { requiredKeys: ['t', 'ref'] }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constantFrom('result', 'yield', 'return', 'credit', 'error', 'protocol-error', 'event', 'hello', '__proto__', ''), id: callId, value: encoded, items, error: wireError, name: fc.string({ maxLength: 4 }) }),
  },
  { weight: 1, arbitrary: fc.oneof(junk, fc.record({ t: junk })) },
)

/** One postMessage: an envelope of frames, rarely something that is not one. */
export const envelope: fc.Arbitrary<unknown> = fc.oneof({ weight: 30, arbitrary: fc.array(frame, { minLength: 1, maxLength: 24 }) }, { weight: 1, arbitrary: junk })

/** What one fuzz run sends on one connection. */
export const sequence = fc.array(envelope, { minLength: 1, maxLength: 24 })

/** Longer sequences for the bench: more frames per connection, so per-connection setup weighs less. */
export const longSequence = fc.array(envelope, { minLength: 1, maxLength: 120, size: 'large' })

/** Frames in a sequence (a message that is not an array counts as one). */
export const framesIn = (envelopes: unknown[]) => envelopes.reduce<number>((n, e) => n + (Array.isArray(e) ? e.length : 1), 0)
