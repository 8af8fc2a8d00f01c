/**
 * Values on the wire.
 *
 * Fast path: a value made only of what structured clone carries faithfully (primitives, plain objects, arrays,
 * Date, RegExp, Map, Set, ArrayBuffer and typed arrays) travels as itself in `Encoded.v`. It is snapshotted
 * here, at send time: yields are batched, so without the copy a producer that mutates an object after
 * yielding it would send the mutated state 64 times.
 *
 * Slow path: anything else (registered classes, errors nested in values, cycles, custom types) goes through
 * superjson, whose `meta` rides in `Encoded.m`. Live objects (functions, promises, streams, signals) never
 * travel by value: they are replaced by `null` and listed in `Encoded.r` with a ref id from the connection.
 */
import SuperJSON from 'superjson'
import { blobMeta, isBlobLike, isShared } from './blob.js'
import { DEFAULT_LIMITS } from './limits.js'
import { isObservable } from './observable-like.js'
import type { Encoded, Items, RefKind, RefSlot } from './protocol.js'

const sj = new SuperJSON()
sj.allowErrorProps('cause', 'code')

const namesByClass = new Map<Function, string>()
const classesByName = new Map<string, Function>()
const customChecks: ((v: unknown) => boolean)[] = []

/** A class whose instances come back as that class: `registerClass(Point, 'Point')` on both sides. */
export type Class = abstract new (...args: never[]) => unknown

/**
 * Process: any (call it on both sides, before the first call).
 * Makes instances of `cls` cross as instances of `cls`: `registerClass(Point, 'Point')`. The name must be the
 * same on both sides and unique. Instances are rebuilt from their own enumerable fields without running the
 * constructor. Registered Error subclasses come back as themselves too.
 * @see sluice/docs/api.md#registerclass-registercustom
 */
export function registerClass(cls: Class, name: string): void {
  const existing = classesByName.get(name)
  if (existing !== undefined && existing !== cls) {
    throw new Error(`sluice: registerClass: the name '${name}' is already registered for another class`)
  }
  sj.registerClass(cls as unknown as Parameters<typeof sj.registerClass>[0], name)
  namesByClass.set(cls, name)
  classesByName.set(name, cls)
}

/** A custom type: `serialize` must return a JSON-compatible value. Register the same name on both sides. */
export interface CustomTransformer<I, O> {
  isApplicable: (v: unknown) => v is I
  serialize: (v: I) => O
  deserialize: (v: O) => I
}

/**
 * Process: any (call it on both sides, before the first call).
 * Teaches the codec a type it cannot otherwise carry (a Decimal, a Temporal value): `isApplicable` picks the
 * values, `serialize` turns one into JSON, `deserialize` rebuilds it. Register the same name on both sides.
 * @see sluice/docs/api.md#registerclass-registercustom
 */
export function registerCustom<I, O extends JSONValue>(transformer: CustomTransformer<I, O>, name: string): void {
  sj.registerCustom(transformer as never, name)
  customChecks.push(transformer.isApplicable)
}

export type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue }

/** @internal used by the error codec to rebuild registered error classes. */
export function classForName(name: string): Function | undefined {
  return classesByName.get(name)
}
/** @internal */
export function nameForClass(cls: Function): string | undefined {
  return namesByClass.get(cls)
}

/** Turns a live object into a ref id on this connection (or throws when refs are not allowed here). */
export type RefWriter = (kind: RefKind, value: unknown) => number
/** Turns a ref id from the peer back into a live proxy object; `at` is what the value held in its place. */
export type RefReader = (kind: RefKind, id: number, at?: unknown) => unknown

const NOT_PLAIN: unique symbol = Symbol('not plain')
const MAX_FAST_DEPTH = 64

// ===============================================================================================================
// Walk budgets
// ===============================================================================================================
// Values from a peer are graphs, not trees: structured clone keeps shared sub-objects shared, and superjson's
// referential equalities do the same over text. A few kilobytes can describe 2^30 paths (`x = { a: x, b: x }`
// thirty times), so any walk that treats a value as a tree can be made to run for hours. Every walk here
// therefore visits each object once (identity-tracked) and counts what it visits against `maxNodes`
// (limits.maxValueNodes); going over is a RangeError naming the limit, which the connection turns into an
// error for that peer.

/** Objects and arrays one walk of one value may visit. The host passes `limits.maxValueNodes`. */
export const DEFAULT_MAX_NODES = DEFAULT_LIMITS.maxValueNodes

/** Below this many objects, the fast copy does not track identity: small values are trees in practice. */
const UNTRACKED_NODES = 1024

/** A count of visited objects against a cap; one may span several walks (an error's values, see wire-error.ts). */
export class Budget {
  nodes = 0
  constructor(
    readonly max: number,
    private readonly what = 'a value',
  ) {}
  visit(): void {
    if (++this.nodes > this.max) {
      throw new RangeError(`sluice: ${this.what} holds more than ${this.max} objects (limits.maxValueNodes)`)
    }
  }
}

/** The budget every decode walk shares while one incoming message is handled (see withMessageBudget). */
let messageBudget: Budget | undefined

/**
 * Handles one incoming message under one node budget for all the values it carries. `maxValueNodes` bounds each
 * value's walk; a message may carry up to `maxFramesPerMessage` frames, each with a value just under it, which
 * would be a thousand walks of a million objects (seconds of main's time) for one postMessage.
 */
export function withMessageBudget(max: number, handle: () => void): void {
  const outer = messageBudget
  messageBudget = new Budget(max, 'a message')
  try {
    handle()
  } finally {
    messageBudget = outer
  }
}

/** The budget a decode walk counts against: the current message's, or one of its own outside a message. */
export function budgetFor(max: number): Budget {
  return messageBudget ?? new Budget(max)
}

/** Thrown inside the untracked fast copy when the value turns out to be big: start again, tracking identity. */
const RETRACK: unique symbol = Symbol('retrack')

// The fast copy's state lives in module variables, not in an object per copy: it runs once per stream item,
// and an allocation per item is measurable at a million items a second. copyPlain saves and restores them, so
// a copy started from inside another (a registerCustom check that encodes) cannot corrupt the outer one.
let copyNodes = 0
let copyMax = 0
/** Objects already copied, once the value is big enough to be worth tracking (see UNTRACKED_NODES). */
let copySeen: Map<object, unknown> | undefined
/** The copy kept a large binary by reference (see SHARED_BYTES); read by the encoders right after a copy. */
let copyShared = false

/**
 * Binary of at least this many bytes is not snapshotted: the encoder marks the value `postNow` instead, and the
 * outbox posts it before the producer can run again, so structured clone's own copy (which postMessage makes
 * anyway) is the snapshot. Copying 64 KiB chunks twice was a fifth of a byte stream's cost.
 */
const SHARED_BYTES = 16 * 1024
const postNow = new WeakSet<Encoded>()

/**
 * Whether binary may travel by reference, posted at once instead of snapshotted: large enough (SHARED_BYTES),
 * a view of its whole buffer (structured clone sends a view's entire buffer, not just the view), and not shared
 * memory. Stream items (the fast copy) and a channel's `sendBinary` both follow this one rule.
 */
export function sendsByReference(v: ArrayBufferView): boolean {
  return v.byteLength >= SHARED_BYTES && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && !isShared(v.buffer)
}

/** True when `encoded` holds binary by reference: post it now, before its producer can change those bytes. */
export function mustPostNow(encoded: Encoded): boolean {
  return postNow.has(encoded)
}

const typedArrayProtos = new Set<object>(
  [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array].map((c) => c.prototype),
)

/**
 * A snapshot of `v`, or NOT_PLAIN when `v` holds anything structured clone would not carry faithfully.
 * Shared sub-objects stay shared in the copy (as structured clone would keep them), and each is copied once.
 */
function copyPlain(v: unknown, maxNodes: number): unknown {
  const outerNodes = copyNodes
  const outerMax = copyMax
  const outerSeen = copySeen
  const outerShared = copyShared
  copyNodes = 0
  copyMax = maxNodes
  copySeen = undefined
  copyShared = false
  try {
    try {
      return copyNode(v, 0)
    } catch (e) {
      if (e !== RETRACK) throw e
    }
    copyNodes = 0
    copySeen = new Map()
    return copyNode(v, 0)
  } finally {
    lastShared = copyShared
    copyNodes = outerNodes
    copyMax = outerMax
    copySeen = outerSeen
    copyShared = outerShared
  }
}

function copyNode(v: unknown, depth: number): unknown {
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return v
    case 'object':
      break
    default:
      return NOT_PLAIN
  }
  if (v === null) return v
  if (depth > MAX_FAST_DEPTH) return NOT_PLAIN
  const seen = copySeen
  if (seen !== undefined) {
    const done = seen.get(v)
    if (done !== undefined) return done
  } else if (copyNodes >= UNTRACKED_NODES) {
    throw RETRACK
  }
  if (++copyNodes > copyMax) throw new RangeError(`sluice: a value holds more than ${copyMax} objects (limits.maxValueNodes)`)
  if (Array.isArray(v)) {
    const out = new Array(v.length)
    seen?.set(v, out)
    for (let i = 0; i < v.length; i++) {
      const c = copyNode(v[i], depth + 1)
      if (c === NOT_PLAIN) return NOT_PLAIN
      out[i] = c
    }
    return out
  }
  const proto = Object.getPrototypeOf(v)
  if (proto === Object.prototype || proto === null) {
    if (customChecks.length > 0 && customChecks.some((check) => check(v))) return NOT_PLAIN
    const out: Record<string, unknown> = {}
    seen?.set(v, out)
    for (const key in v) {
      const c = copyNode((v as Record<string, unknown>)[key], depth + 1)
      if (c === NOT_PLAIN) return NOT_PLAIN
      out[key] = c
    }
    return out
  }
  if (customChecks.length > 0 && customChecks.some((check) => check(v))) return NOT_PLAIN
  if (v instanceof Date) return new Date(v.getTime())
  if (v instanceof RegExp) return new RegExp(v)
  if (v instanceof Map) {
    const out = new Map()
    seen?.set(v, out)
    for (const [k, x] of v) {
      const ck = copyNode(k, depth + 1)
      const cx = copyNode(x, depth + 1)
      if (ck === NOT_PLAIN || cx === NOT_PLAIN) return NOT_PLAIN
      out.set(ck, cx)
    }
    return out
  }
  if (v instanceof Set) {
    const out = new Set()
    seen?.set(v, out)
    for (const x of v) {
      const c = copyNode(x, depth + 1)
      if (c === NOT_PLAIN) return NOT_PLAIN
      out.add(c)
    }
    return out
  }
  if (v instanceof ArrayBuffer) {
    if (v.byteLength < SHARED_BYTES) return v.slice(0)
    copyShared = true
    return v
  }
  if (ArrayBuffer.isView(v)) {
    if (sendsByReference(v)) {
      copyShared = true
      return v
    }
    const bytes = v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) as ArrayBuffer
    if (v instanceof DataView) return new DataView(bytes)
    // Node's Buffer is a Uint8Array subclass: it arrives as a Uint8Array either way, so send one.
    const ctor = typedArrayProtos.has(proto) ? proto.constructor : Object.getPrototypeOf(proto).constructor
    return new ctor(bytes)
  }
  return NOT_PLAIN
}

/** Which live kind `v` is, if it travels by reference. */
export function refKindOf(v: unknown): RefKind | undefined {
  if (typeof v === 'function') return 'function'
  if (typeof v !== 'object' || v === null) return undefined
  if (v instanceof Promise) return 'promise'
  if (isBlobLike(v)) return 'blob'
  if (typeof AbortSignal === 'function' && v instanceof AbortSignal) return 'signal'
  if (typeof ReadableStream === 'function' && v instanceof ReadableStream) return 'readable'
  if (isChannelEnd(v)) return 'channel'
  // Before the iterable check: an Observable may be async-iterable too (RxJS 8, the peer's Observables here).
  if (isObservable(v)) return 'observable'
  if (typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return 'iterable'
  return undefined
}

const CHANNEL_END = Symbol.for('sluice.channel-end')
/** @internal Channel ends mark themselves with this symbol so the codec sends them by reference. */
export const channelEndMarker = CHANNEL_END
function isChannelEnd(v: object): boolean {
  return (v as Record<symbol, unknown>)[CHANNEL_END] === true
}

/**
 * Copies `v`, replacing live objects found in plain objects and arrays by `null` and recording them in
 * `refs`. Live objects elsewhere (inside a Map, inside a class instance) are left for superjson, which
 * rejects them with its own error. Each object is visited once: a shared one keeps its one copy. A live object
 * met again (by identity) is written once: its later slots repeat the first one's id, and `seen` maps it to it.
 */
function stripRefs(v: unknown, path: (string | number)[], refs: RefSlot[], write: RefWriter | undefined, depth: number, seen: Map<object, unknown>, budget: Budget): unknown {
  const kind = refKindOf(v)
  if (kind !== undefined) {
    if (write === undefined) {
      throw new TypeError(`sluice: a ${kind} cannot be sent here (at ${path.length ? path.join('.') : 'the top level'})`)
    }
    // One live value travels once per value: each later occurrence names the same id (decode gives one object).
    let id = seen.get(v as object) as number | undefined
    if (id === undefined) seen.set(v as object, (id = write(kind, v)))
    refs.push([path.slice(), kind, id])
    // A blob's place carries its metadata (size, type, name), so the receiver can hand it out at once.
    return kind === 'blob' ? blobMeta(v as object) : null
  }
  if (typeof v !== 'object' || v === null || depth > MAX_FAST_DEPTH) return v
  if (seen.has(v)) return seen.get(v)
  budget.visit()
  seen.set(v, v)
  if (Array.isArray(v)) {
    let out: unknown[] | undefined
    for (let i = 0; i < v.length; i++) {
      path.push(i)
      const c = stripRefs(v[i], path, refs, write, depth + 1, seen, budget)
      path.pop()
      if (c !== v[i]) {
        if (out === undefined) seen.set(v, (out = v.slice()))
        out[i] = c
      }
    }
    return out ?? v
  }
  const proto = Object.getPrototypeOf(v)
  if (proto !== Object.prototype && proto !== null) return v
  let out: Record<string, unknown> | undefined
  for (const key in v) {
    const x = (v as Record<string, unknown>)[key]
    path.push(key)
    const c = stripRefs(x, path, refs, write, depth + 1, seen, budget)
    path.pop()
    if (c !== x) {
      if (out === undefined) seen.set(v, (out = { ...(v as Record<string, unknown>) }))
      out[key] = c
    }
  }
  return out ?? v
}

/** Whether the last copyPlain kept binary by reference. */
let lastShared = false

function plain(v: unknown, refs?: RefSlot[]): Encoded {
  const out: Encoded = refs === undefined ? { v } : { v, r: refs }
  if (lastShared) postNow.add(out)
  return out
}

/** What `copyItem` returns for a value that needs the full encoder. */
export const NEEDS_ENCODING: unique symbol = Symbol('needs encoding')

/**
 * The fast path for a stream item, with no allocation but the copy itself: the snapshot of a value structured
 * clone carries faithfully, or NEEDS_ENCODING. `copyItemShared()` then says whether it kept binary by
 * reference (see SHARED_BYTES): such an item must be posted before its producer runs again.
 */
export function copyItem(value: unknown, maxNodes = DEFAULT_MAX_NODES): unknown {
  const fast = copyPlain(value, maxNodes)
  return fast === NOT_PLAIN ? NEEDS_ENCODING : fast
}

/** Whether the last copyItem (or any fast copy) kept binary by reference. */
export function copyItemShared(): boolean {
  return lastShared
}

/** The fast path alone: `{ v }` for a value structured clone carries faithfully, else undefined. */
export function encodePlain(value: unknown, maxNodes = DEFAULT_MAX_NODES): Encoded | undefined {
  const fast = copyPlain(value, maxNodes)
  return fast === NOT_PLAIN ? undefined : plain(fast)
}

export function encode(value: unknown, write?: RefWriter, maxNodes = DEFAULT_MAX_NODES): Encoded {
  const fast = copyPlain(value, maxNodes)
  if (fast !== NOT_PLAIN) return plain(fast)
  const refs: RefSlot[] = []
  const stripped = stripRefs(value, [], refs, write, 0, new Map(), new Budget(maxNodes))
  const again = refs.length > 0 ? copyPlain(stripped, maxNodes) : NOT_PLAIN
  if (again !== NOT_PLAIN) return plain(again, refs)
  const { json, meta } = sj.serialize(stripped)
  // superjson passes what it does not know (a symbol, a function inside a Map) through unchanged, and
  // postMessage would then throw at flush time, far from the cause. Refuse it here, naming where it is.
  assertJson(json, [], new Set(), new Budget(maxNodes))
  const out: Encoded = { v: json }
  if (meta !== undefined) out.m = meta
  if (refs.length > 0) out.r = refs
  return out
}

/** A ref sits inside plain objects and arrays at most MAX_FAST_DEPTH deep (see stripRefs). */
const MAX_REF_PATH = MAX_FAST_DEPTH + 1

/**
 * Counts every visit of a walk that treats `v` as a tree, the way superjson walks its meta, and refuses a value
 * whose tree is too big or too deep; shared parts count once per path that reaches them.
 */
function countTree(v: unknown, depth: number, budget: Budget): void {
  if (typeof v !== 'object' || v === null) return
  if (depth > MAX_TREE_DEPTH) throw new RangeError(`sluice: a value is nested more than ${MAX_TREE_DEPTH} deep`)
  budget.visit()
  if (Array.isArray(v)) for (const x of v) countTree(x, depth + 1, budget)
  else for (const key in v) countTree((v as Record<string, unknown>)[key], depth + 1, budget)
}
const MAX_TREE_DEPTH = 512

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/**
 * Throws a TypeError naming the first value in superjson's output that structured clone would refuse (a symbol,
 * a function). Objects superjson did not recognise, like instances of unregistered classes, go through as
 * structured clone sends them: their own fields, without their prototype.
 */
function assertJson(v: unknown, path: (string | number)[], seen: Set<object>, budget: Budget): void {
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return
    case 'object':
      if (v === null || seen.has(v)) return
      seen.add(v)
      budget.visit()
      if (Array.isArray(v)) {
        v.forEach((x, i) => assertJson(x, [...path, i], seen, budget))
        return
      }
      for (const key of Object.keys(v)) assertJson((v as Record<string, unknown>)[key], [...path, key], seen, budget)
      return
  }
  const where = path.length ? path.join('.') : 'the top level'
  throw new TypeError(`sluice: a ${typeof v} cannot be sent (at ${where}); send plain data, or register the type with registerCustom()`)
}

/** Decodes a batch of stream items (see `Items` in protocol.ts). Throws on a malformed batch. */
export function decodeItems(frame: Items, read?: RefReader, maxNodes = DEFAULT_MAX_NODES): unknown[] {
  const { items, enc } = frame
  if (!Array.isArray(items)) throw new TypeError('malformed items: expected an array')
  if (enc === undefined) return items
  if (typeof enc !== 'object' || enc === null) throw new TypeError('malformed items: enc must be an object')
  return items.map((v, i) => {
    const extra = Object.hasOwn(enc, i) ? enc[i] : undefined
    return extra === undefined ? v : decode({ v, m: extra.m, r: extra.r }, read, maxNodes)
  })
}

/** Decodes a value from the (untrusted) peer. Throws on a malformed encoding; callers turn that into a protocol error. */
export function decode(enc: Encoded, read?: RefReader, maxNodes: number | Budget = DEFAULT_MAX_NODES): unknown {
  const budget = typeof maxNodes === 'number' ? budgetFor(maxNodes) : maxNodes
  if (typeof enc !== 'object' || enc === null || !('v' in enc)) throw new TypeError('malformed value: expected { v }')
  // superjson walks its meta as a tree: a meta that is a small graph of shared parts would walk for hours.
  if (enc.m !== undefined) countTree(enc.m, 0, budget)
  let value = enc.m === undefined ? enc.v : sj.deserialize({ json: enc.v as never, meta: enc.m as never })
  if (enc.r !== undefined) {
    if (!Array.isArray(enc.r)) throw new TypeError('malformed value: refs must be an array')
    let imported: Map<number, [RefKind, unknown]> | undefined
    // Every slot walks its path: the steps count against the value's budget. Structured clone shares one slot
    // array a million times in a few MB, and with identity each repeat imports nothing, only walks.
    for (const slot of enc.r) {
      if (!Array.isArray(slot) || !Array.isArray(slot[0]) || typeof slot[1] !== 'string' || !Number.isSafeInteger(slot[2])) {
        throw new TypeError('malformed value: bad ref slot')
      }
      if (read === undefined) throw new TypeError('malformed value: refs are not accepted here')
      const [path, kind, id] = slot
      if (path.length > MAX_REF_PATH) throw new TypeError(`malformed value: a ref path is longer than ${MAX_REF_PATH}`)
      budget.nodes += path.length
      budget.visit()
      // Walk (and check) the path before importing, so a bad slot never leaves a half-made ref behind.
      let target = value as Record<string | number, unknown>
      for (let i = 0; i < path.length; i++) {
        const key = path[i]
        if ((typeof key !== 'string' && typeof key !== 'number') || UNSAFE_KEYS.has(String(key))) {
          throw new TypeError('malformed value: bad ref path')
        }
        if (i < path.length - 1) {
          const next = target[key]
          if (typeof next !== 'object' || next === null) throw new TypeError('malformed value: ref path leads nowhere')
          target = next as Record<string | number, unknown>
        }
      }
      if (path.length > 0 && (typeof target !== 'object' || target === null)) throw new TypeError('malformed value: ref path leads nowhere')
      // The same id twice in one value is the same live object: imported once (see stripRefs).
      let live: unknown
      const known = imported?.get(id)
      if (known !== undefined) {
        if (known[0] !== kind) throw new TypeError(`malformed value: ref ${id} is sent as two kinds`)
        live = known[1]
      } else {
        live = read(kind, id, path.length === 0 ? value : target[path[path.length - 1] as string | number])
        ;(imported ??= new Map()).set(id, [kind, live])
      }
      if (path.length === 0) value = live
      else target[path[path.length - 1] as string | number] = live
    }
  }
  return value
}
