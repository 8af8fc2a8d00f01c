/**
 * Live objects that travel by reference: functions, promises, ReadableStreams, async iterables and channels,
 * in either direction. One table per connection, on each side.
 *
 * ============================================================================================================
 * Ids and ownership
 * ============================================================================================================
 * The side that sends a live object (the exporter) picks its id: the client counts up from 1, the host down
 * from -1. The sign therefore names the owner in every `ref-*` frame, and the two sides never collide.
 * Frames about a ref are sent by whichever side has something to say (see docs/protocol.md).
 *
 * ============================================================================================================
 * Lifetimes
 * ============================================================================================================
 * - function: the exporter keeps it until the importer releases it. The importer releases when its proxy is
 *   garbage-collected (FinalizationRegistry) or on `release(fn)`. The exporter may send the same function
 *   again before that release arrives, so a release carries how many times the importer received the id, and
 *   the exporter forgets the function only when every send is accounted for.
 * - promise: until it settles (`ref-settle`).
 * - readable / iterable: until the producer ends (`ref-end`) or the consumer cancels (`ref-end` + `cancel`).
 * - channel: until either end closes it (`ref-end`).
 * - all of them: until the connection closes. Then every exported source is cancelled (its cancel()/onClose
 *   runs), every imported promise, stream and channel fails with the disconnect error, and every proxy
 *   function rejects its calls.
 */
import { ChannelCore, coreOfToken } from './channel.js'
import { decode, decodeItems, DEFAULT_MAX_NODES, encode, encodePlain } from './codec.js'
import { dispose, RELEASE } from './dispose.js'
import { ProtocolError } from './errors.js'
import { Inbound } from './flow/queue.js'
import { Outbound } from './flow/pump.js'
import type { Flow } from './flow/window.js'
import type { Outbox } from './outbox.js'
import type { Encoded, RefFrame, RefKind, WireError } from './protocol.js'
import { deserializeError, serializeError } from './wire-error.js'

export interface RefTableOptions {
  /** 'host' ids count down from -1, 'client' ids count up from 1. */
  side: 'host' | 'client'
  /** Window for streams and channels this side consumes. */
  flow: Flow
  /** The most outstanding credit the peer may grant one of our producers. */
  maxCredit: number
  withStack: boolean
  /** Called whenever the number of live refs may have dropped (the host uses it to retire closed connections). */
  onChange: () => void
  /** Caps on live refs, both directions together (the host passes its `SluiceLimits`; a client trusts its host). */
  limits?: Partial<RefLimits>
}

/** The `SluiceLimits` fields a ref table enforces (see limits.ts for the threat behind each). */
export interface RefLimits {
  maxRefs: number
  maxChannels: number
  maxRefStreams: number
  maxCallbackCalls: number
  maxValueNodes: number
}

/** Which limit a ref kind counts against. */
type Bucket = 'refs' | 'channels' | 'streams'
const BUCKET: Record<string, Bucket> = { function: 'refs', promise: 'refs', readable: 'streams', iterable: 'streams', channel: 'channels' }
const LIMIT_OF: Record<Bucket, keyof RefLimits> = { refs: 'maxRefs', channels: 'maxChannels', streams: 'maxRefStreams' }
const WHAT: Record<Bucket, string> = { refs: 'functions and promises', channels: 'channels', streams: 'streams passed as values' }

/** A map of refs that keeps the per-bucket counts the limits are checked against, and says when one goes. */
class CountedMap<V extends { kind: string }> extends Map<number, V> {
  constructor(
    private readonly counts: Record<Bucket, number>,
    private readonly gone?: (id: number) => void,
  ) {
    super()
  }
  override set(id: number, entry: V): this {
    if (!this.has(id)) this.counts[BUCKET[entry.kind]!]++
    return super.set(id, entry)
  }
  override delete(id: number): boolean {
    const entry = this.get(id)
    if (entry === undefined) return false
    this.counts[BUCKET[entry.kind]!]--
    super.delete(id)
    this.gone?.(id)
    return true
  }
  override clear(): void {
    const ids = [...this.keys()]
    for (const entry of this.values()) this.counts[BUCKET[entry.kind]!]--
    super.clear()
    if (this.gone !== undefined) for (const id of ids) this.gone(id)
  }
}

type Exported =
  | { kind: 'function'; fn: Function; sent: number }
  | { kind: 'promise' }
  | { kind: 'readable' | 'iterable'; out: Outbound }
  | { kind: 'channel'; core: ChannelCore<unknown, unknown> }

type Imported =
  | { kind: 'function'; proxy: WeakRef<Function>; received: number }
  | { kind: 'promise'; promise: Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void }
  | { kind: 'readable' | 'iterable'; in: Inbound<unknown> }
  | { kind: 'channel'; core: ChannelCore<unknown, unknown> }

const isInt = (x: unknown): x is number => Number.isSafeInteger(x) && x !== 0
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) > 0

const RELEASED = Symbol('sluice.released')
const ignore = (): void => {}

/**
 * Process: any.
 * Releases a function received from the other side, at once rather than at garbage collection. Later calls
 * to it reject. Other functions are ignored.
 * @see sluice/docs/primitives.md#callbacks
 */
export function release(fn: unknown): void {
  ;(fn as { [RELEASE]?: () => void } | null)?.[RELEASE]?.()
}

export class RefTable {
  private readonly step: number
  private nextId: number
  private readonly counts: Record<Bucket, number> = { refs: 0, channels: 0, streams: 0 }
  private readonly exported = new CountedMap<Exported>(this.counts, (id) => this.ended(id))
  /** Who wants to know when an exported ref ends (a call whose result holds it, see main/call.ts). */
  private readonly watchers = new Map<number, () => void>()
  private readonly exportedFns = new WeakMap<Function, number>()
  private readonly imported = new CountedMap<Imported>(this.counts)
  private readonly calls = new Map<number, { ref: number; resolve: (v: unknown) => void; reject: (e: unknown) => void }>()
  /** Calls in flight per function ref of the peer's, for `maxCallbackCalls`. */
  private readonly callsPerRef = new Map<number, number>()
  private readonly limits: RefLimits
  private nextCall = 1
  private closedWith: Error | undefined
  private readonly gc: FinalizationRegistry<number> | undefined

  constructor(
    private readonly outbox: Outbox,
    private readonly options: RefTableOptions,
  ) {
    this.step = options.side === 'host' ? -1 : 1
    this.nextId = this.step
    this.limits = { maxRefs: Infinity, maxChannels: Infinity, maxRefStreams: Infinity, maxCallbackCalls: Infinity, maxValueNodes: DEFAULT_MAX_NODES, ...options.limits }
    this.gc = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry((id) => this.collected(id)) : undefined
  }

  /** Live refs in both directions, plus ref calls awaiting an answer. */
  size(): number {
    return this.exported.size + this.imported.size + this.calls.size
  }

  private readonly write = (kind: RefKind, value: unknown): number => this.export(kind, value)
  private readonly read = (kind: RefKind, id: number): unknown => this.import(kind, id)

  /**
   * Encodes `value`, exporting the live objects in it. If it cannot be sent, the refs already made for it are
   * revoked and every live object in it is disposed (nobody will ever receive them), then the error is thrown.
   */
  encode(value: unknown, written: number[] = []): Encoded {
    // Most values are plain data: no writer, no bookkeeping (this runs once per stream item).
    const plain = encodePlain(value, this.limits.maxValueNodes)
    if (plain !== undefined) return plain
    try {
      return encode(
        value,
        (kind, v) => {
          const id = this.export(kind, v)
          written.push(id)
          return id
        },
        this.limits.maxValueNodes,
      )
    } catch (e) {
      for (const id of written) this.revoke(id, e)
      dispose(value, e)
      throw e
    }
  }

  decode(value: Encoded): unknown {
    return decode(value, this.read, this.limits.maxValueNodes)
  }

  /** Decodes stream items from the peer (see `Items`), with this table's limits. */
  decodeItems(frame: Parameters<typeof decodeItems>[0]): unknown[] {
    return decodeItems(frame, this.read, this.limits.maxValueNodes)
  }

  /** Calls `fn` once when exported ref `id` ends, for whatever reason (at once if it already has). */
  watch(id: number, fn: () => void): void {
    if (!this.exported.has(id)) return fn()
    const before = this.watchers.get(id)
    this.watchers.set(id, before === undefined ? fn : () => (before(), fn()))
  }

  private ended(id: number): void {
    const fn = this.watchers.get(id)
    if (fn === undefined) return
    this.watchers.delete(id)
    fn()
  }

  /**
   * Ends exported ref `id` now, from this side, and tells the peer: the call that returned it was cancelled.
   * A stream ends with `reason` as its error, a channel closes, a promise rejects, a function is forgotten (the
   * peer's later calls to it fail).
   */
  end(id: number, reason: unknown): void {
    const entry = this.exported.get(id)
    if (entry === undefined) return
    this.exported.delete(id)
    switch (entry.kind) {
      case 'function':
        this.exportedFns.delete(entry.fn)
        break
      case 'promise':
        this.outbox.push({ t: 'ref-settle', ref: id, error: this.wireError(reason) })
        break
      case 'readable':
      case 'iterable':
        entry.out.cancel(reason)
        this.outbox.push({ t: 'ref-end', ref: id, error: this.wireError(reason) })
        break
      case 'channel':
        this.outbox.push({ t: 'ref-end', ref: id })
        entry.core.finish(reason)
        break
    }
    this.changed()
  }

  /** Throws when one more ref of `kind` would pass its limit on this connection. */
  private checkLimit(kind: RefKind, error: (message: string) => Error): void {
    const bucket = BUCKET[kind]
    if (bucket === undefined) return
    const limit = this.limits[LIMIT_OF[bucket]]
    if (this.counts[bucket] >= limit) {
      throw error(`sluice: too many ${WHAT[bucket]} live on this connection (limits.${LIMIT_OF[bucket]} is ${limit})`)
    }
  }

  /** Undoes one `export()` of a value that could not be sent after all. */
  private revoke(id: number, reason: unknown): void {
    const entry = this.exported.get(id)
    if (entry === undefined) return
    if (entry.kind === 'function' && --entry.sent > 0) return
    this.exported.delete(id)
    if (entry.kind === 'function') this.exportedFns.delete(entry.fn)
    else if (entry.kind === 'readable' || entry.kind === 'iterable') entry.out.cancel(reason)
    else if (entry.kind === 'channel') entry.core.finish(reason)
    this.changed()
  }

  private mine(id: number): boolean {
    return Math.sign(id) === this.step
  }

  // -------------------------------------------------------------------------------------------------------------
  // Export: a live object of ours goes to the peer
  // -------------------------------------------------------------------------------------------------------------

  export(kind: RefKind, value: unknown): number {
    if (this.closedWith !== undefined) throw this.closedWith
    if (kind === 'signal') throw new TypeError('an AbortSignal can only be passed as a call argument')
    if (kind === 'function') {
      const known = this.exportedFns.get(value as Function)
      const entry = known !== undefined ? this.exported.get(known) : undefined
      if (entry?.kind === 'function') {
        entry.sent++
        return known!
      }
    }
    this.checkLimit(kind, (m) => new RangeError(m))
    const id = this.nextId
    this.nextId += this.step
    switch (kind) {
      case 'function':
        this.exported.set(id, { kind, fn: value as Function, sent: 1 })
        this.exportedFns.set(value as Function, id)
        break
      case 'promise':
        this.exported.set(id, { kind })
        ;(value as Promise<unknown>).then(
          (v) => this.settleExported(id, v, undefined, false),
          (e) => this.settleExported(id, undefined, e, true),
        )
        break
      case 'readable':
      case 'iterable': {
        const source =
          kind === 'readable'
            ? readerSource((value as ReadableStream<unknown>).getReader())
            : iteratorSource((value as AsyncIterable<unknown>)[Symbol.asyncIterator]())
        const out = new Outbound(
          source,
          {
            push: (item) => this.outbox.pushItem('ref-push', id, item),
            flush: () => this.outbox.flush(),
            end: (error) => {
              this.exported.delete(id)
              this.outbox.push(error === undefined ? { t: 'ref-end', ref: id } : { t: 'ref-end', ref: id, error: this.wireError(error) })
              this.changed()
            },
            encode: (v) => this.encode(v),
          },
          this.options.maxCredit,
        )
        this.exported.set(id, { kind, out })
        break
      }
      case 'channel': {
        const core = coreOfToken(value as object)
        if (core === undefined) throw new TypeError('only a Channel’s `client` can be sent as a channel')
        core.bind(this.channelLink(id))
        core.onClose(() => {
          if (this.exported.delete(id)) this.changed()
        })
        this.exported.set(id, { kind, core })
        break
      }
    }
    return id
  }

  private settleExported(id: number, value: unknown, error: unknown, failed: boolean): void {
    if (!this.exported.delete(id) || this.closedWith !== undefined) {
      // The peer is gone (or the promise was revoked): what it resolved to will never be delivered.
      if (!failed) dispose(value, this.closedWith)
      return
    }
    if (failed) {
      this.outbox.push({ t: 'ref-settle', ref: id, error: this.wireError(error) })
    } else {
      let encoded: Encoded
      try {
        encoded = this.encode(value)
      } catch (e) {
        this.outbox.push({ t: 'ref-settle', ref: id, error: this.wireError(new TypeError(`sluice: a promise resolved to a value that cannot be sent: ${(e as Error).message}`)) })
        return this.changed()
      }
      this.outbox.push({ t: 'ref-settle', ref: id, value: encoded })
    }
    this.changed()
  }

  private channelLink(id: number) {
    return {
      push: (value: unknown) => this.outbox.pushItem('ref-push', id, this.encode(value)),
      pull: (n: number) => this.outbox.push({ t: 'ref-pull', ref: id, n }),
      end: () => {
        this.outbox.push({ t: 'ref-end', ref: id })
        if (this.exported.delete(id) || this.imported.delete(id)) this.changed()
      },
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Import: a live object of the peer's arrives here
  // -------------------------------------------------------------------------------------------------------------

  import(kind: RefKind, id: number): unknown {
    if (!isInt(id) || this.mine(id)) throw new ProtocolError(`bad ref id ${String(id)}`)
    if (this.closedWith !== undefined) throw this.closedWith
    const known = this.imported.get(id)
    if (known === undefined || kind !== 'function') this.checkLimit(kind, (m) => new ProtocolError(m))
    switch (kind) {
      case 'function': {
        if (known?.kind === 'function') {
          const proxy = known.proxy.deref()
          if (proxy !== undefined) {
            known.received++
            return proxy
          }
        }
        return this.functionProxy(id)
      }
      case 'promise': {
        if (known !== undefined) throw new ProtocolError(`ref ${id} is already in use`)
        let settle!: { resolve: (v: unknown) => void; reject: (e: unknown) => void }
        const promise = new Promise((resolve, reject) => (settle = { resolve, reject }))
        // Handled from birth: the peer decides when (and whether) this rejects, and a rejection nobody awaits
        // (the call was refused, the handler ignored it) must not become an unhandled rejection in this process.
        // Code that awaits it still sees the error.
        promise.catch(ignore)
        this.imported.set(id, { kind, promise, ...settle })
        return promise
      }
      case 'readable':
      case 'iterable': {
        if (known !== undefined) throw new ProtocolError(`ref ${id} is already in use`)
        const inbound = new Inbound<unknown>(
          {
            pull: (n) => this.outbox.push({ t: 'ref-pull', ref: id, n }),
            cancel: (reason) => {
              if (this.imported.delete(id)) this.changed()
              this.outbox.push({ t: 'ref-end', ref: id, cancel: true, ...(reason !== undefined ? { error: this.wireError(reason) } : {}) })
            },
          },
          this.options.flow,
        )
        this.imported.set(id, { kind, in: inbound })
        return kind === 'readable' ? readableFrom(inbound) : iterableFrom(inbound)
      }
      case 'channel': {
        if (known !== undefined) throw new ProtocolError(`ref ${id} is already in use`)
        const core = new ChannelCore<unknown, unknown>(this.options.flow)
        core.bind(this.channelLink(id))
        core.onClose(() => {
          if (this.imported.delete(id)) this.changed()
        })
        this.imported.set(id, { kind, core })
        // The importer speaks first: granting its window tells the exporter the channel has arrived.
        core.open()
        return core
      }
      default:
        throw new ProtocolError(`a ${String(kind)} ref is not accepted here`)
    }
  }

  private functionProxy(id: number): Function {
    let released = false
    const table = this
    const proxy = function sluiceRemoteFunction(...args: unknown[]): Promise<unknown> {
      if (released) return Promise.reject(new Error('sluice: this function was released; it can no longer be called'))
      return table.callRemote(id, args)
    }
    const doRelease = () => {
      if (released) return
      released = true
      this.gc?.unregister(proxy)
      this.collected(id)
    }
    Object.defineProperty(proxy, RELEASE, { value: doRelease })
    Object.defineProperty(proxy, RELEASED, { get: () => released })
    this.imported.set(id, { kind: 'function', proxy: new WeakRef(proxy), received: 1 })
    this.gc?.register(proxy, id, proxy)
    return proxy
  }

  /**
   * Calls the peer's function `ref`. The promise is handled from birth, like an imported promise: a callback
   * called without awaiting (a progress tick) must not kill this process when the peer answers with an error
   * or goes away. Code that awaits the call still sees the error.
   */
  private callRemote(ref: number, args: unknown[]): Promise<unknown> {
    const promise = this.startCall(ref, args)
    promise.catch(ignore)
    return promise
  }

  private startCall(ref: number, args: unknown[]): Promise<unknown> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith)
    const inFlight = this.callsPerRef.get(ref) ?? 0
    if (inFlight >= this.limits.maxCallbackCalls) {
      return Promise.reject(
        new RangeError(
          `sluice: ${inFlight} calls to this function from the peer are still unanswered (limits.maxCallbackCalls is ${this.limits.maxCallbackCalls}); await its calls, or call it less often`,
        ),
      )
    }
    let encoded: Encoded
    try {
      encoded = this.encode(args)
    } catch (e) {
      return Promise.reject(e)
    }
    const call = this.nextCall++
    this.callsPerRef.set(ref, inFlight + 1)
    return new Promise((resolve, reject) => {
      this.calls.set(call, { ref, resolve, reject })
      this.outbox.push({ t: 'ref-call', ref, call, args: encoded })
    })
  }

  /** A ref call was answered (or failed to go out): forget it. */
  private endCall(call: number): { ref: number; resolve: (v: unknown) => void; reject: (e: unknown) => void } | undefined {
    const pending = this.calls.get(call)
    if (pending === undefined) return undefined
    this.calls.delete(call)
    const left = (this.callsPerRef.get(pending.ref) ?? 1) - 1
    if (left > 0) this.callsPerRef.set(pending.ref, left)
    else this.callsPerRef.delete(pending.ref)
    return pending
  }

  /** The proxy for `id` was garbage-collected or released: tell the exporter how many sends that accounts for. */
  private collected(id: number): void {
    const entry = this.imported.get(id)
    if (entry?.kind !== 'function') return
    this.imported.delete(id)
    if (this.closedWith === undefined) this.outbox.push({ t: 'ref-release', ref: id, n: entry.received })
    this.changed()
  }

  // -------------------------------------------------------------------------------------------------------------
  // Frames from the peer
  // -------------------------------------------------------------------------------------------------------------

  receive(f: RefFrame | { t: string }): void {
    if (this.closedWith !== undefined) return
    const frame = f as RefFrame
    switch (frame.t) {
      case 'ref-call': {
        // { t: 'ref-call', ref, call, args }
        if (!isInt(frame.ref) || !isCount(frame.call)) throw new ProtocolError('ref-call: ref and call must be integers')
        const entry = this.mine(frame.ref) ? this.exported.get(frame.ref) : undefined
        if (entry?.kind !== 'function') {
          this.outbox.push({ t: 'ref-result', call: frame.call, error: this.wireError(new Error('sluice: that function was released, or never existed; it can no longer be called')) })
          return
        }
        let args: unknown
        try {
          args = this.decode(frame.args)
          if (!Array.isArray(args)) throw new TypeError('arguments must be an array')
        } catch (e) {
          this.outbox.push({ t: 'ref-result', call: frame.call, error: this.wireError(new ProtocolError(`sluice: bad arguments to a function ref: ${(e as Error).message}`)) })
          return
        }
        let result: unknown
        try {
          result = entry.fn(...(args as unknown[]))
        } catch (e) {
          this.outbox.push({ t: 'ref-result', call: frame.call, error: this.wireError(e) })
          return
        }
        Promise.resolve(result).then(
          (value) => {
            if (this.closedWith !== undefined) return dispose(value, this.closedWith)
            try {
              this.outbox.push({ t: 'ref-result', call: frame.call, value: this.encode(value) })
            } catch (e) {
              this.outbox.push({ t: 'ref-result', call: frame.call, error: this.wireError(e) })
            }
          },
          (e) => {
            if (this.closedWith === undefined) this.outbox.push({ t: 'ref-result', call: frame.call, error: this.wireError(e) })
          },
        )
        return
      }
      case 'ref-result': {
        // { t: 'ref-result', call, value | error }
        const pending = isCount(frame.call) ? this.endCall(frame.call) : undefined
        if (pending === undefined) return
        this.settle(pending, frame)
        return
      }
      case 'ref-release': {
        // { t: 'ref-release', ref, n }
        if (!isInt(frame.ref) || !isCount(frame.n)) throw new ProtocolError('ref-release: ref and n must be integers')
        const entry = this.mine(frame.ref) ? this.exported.get(frame.ref) : undefined
        if (entry?.kind !== 'function') return
        entry.sent -= frame.n
        if (entry.sent <= 0) {
          this.exported.delete(frame.ref)
          this.exportedFns.delete(entry.fn)
          this.changed()
        }
        return
      }
      case 'ref-settle': {
        // { t: 'ref-settle', ref, value | error }
        const entry = this.imported.get(frame.ref)
        if (entry?.kind !== 'promise') return
        this.imported.delete(frame.ref)
        this.settle(entry, frame)
        return
      }
      case 'ref-push': {
        // { t: 'ref-push', ref, items, enc? }
        if (!Array.isArray(frame.items)) throw new ProtocolError('ref-push: items must be an array')
        const entry = this.mine(frame.ref) ? this.exported.get(frame.ref) : this.imported.get(frame.ref)
        if (entry === undefined) return
        if (!(entry.kind === 'channel' || 'in' in entry)) throw new ProtocolError(`ref-push: ref ${frame.ref} does not receive items`)
        let items: unknown[]
        try {
          items = this.decodeItems(frame)
        } catch (e) {
          throw new ProtocolError(`ref-push: ${(e as Error).message}`)
        }
        const taken = entry.kind === 'channel' ? entry.core.receive(items) : entry.in.push(items)
        if (!taken) {
          for (const item of items) dispose(item)
          throw new ProtocolError(`ref-push: ${items.length} items on ref ${frame.ref} exceed the credit granted`)
        }
        return
      }
      case 'ref-pull': {
        // { t: 'ref-pull', ref, n }
        if (!isInt(frame.ref) || !isCount(frame.n)) throw new ProtocolError('ref-pull: ref and n must be integers')
        const entry = this.mine(frame.ref) ? this.exported.get(frame.ref) : this.imported.get(frame.ref)
        if (entry === undefined) return
        if (entry.kind === 'channel') {
          if (!entry.core.grant(frame.n, this.options.maxCredit)) throw new ProtocolError(`ref-pull: more than ${this.options.maxCredit} credits outstanding on channel ${frame.ref}`)
        } else if ((entry.kind === 'readable' || entry.kind === 'iterable') && 'out' in entry) {
          if (!entry.out.grant(frame.n)) throw new ProtocolError(`ref-pull: more than ${this.options.maxCredit} credits outstanding on ref ${frame.ref}`)
        }
        return
      }
      case 'ref-end': {
        // { t: 'ref-end', ref, error?, cancel? }
        if (!isInt(frame.ref)) throw new ProtocolError('ref-end: ref must be an integer')
        const mine = this.mine(frame.ref)
        const entry = mine ? this.exported.get(frame.ref) : this.imported.get(frame.ref)
        if (entry === undefined) return
        if (mine) this.exported.delete(frame.ref)
        else this.imported.delete(frame.ref)
        const error = frame.error !== undefined ? deserializeError(frame.error) : undefined
        if (entry.kind === 'channel') entry.core.finish(undefined)
        else if ('out' in entry) entry.out.cancel(error ?? new Error('sluice: the reader cancelled'))
        else if ('in' in entry) entry.in.end(frame.error !== undefined, error)
        this.changed()
        return
      }
      default:
        throw new ProtocolError(`unknown frame tag '${String((frame as { t: unknown }).t).slice(0, 40)}'`)
    }
  }

  /**
   * A ref frame of ours that postMessage refused: tell the other side instead of leaving it waiting, and stop
   * the producer behind a refused `ref-push`.
   */
  postFailed(frame: RefFrame, error: unknown): void {
    const wire = this.wireError(new TypeError(`sluice: a value could not be sent: ${(error as Error)?.message ?? String(error)}`))
    switch (frame.t) {
      case 'ref-push': {
        const entry = this.exported.get(frame.ref)
        if (entry !== undefined && 'out' in entry) {
          this.exported.delete(frame.ref)
          entry.out.cancel(error)
        }
        this.outbox.push({ t: 'ref-end', ref: frame.ref, error: wire })
        return this.changed()
      }
      case 'ref-settle':
        return this.outbox.push({ t: 'ref-settle', ref: frame.ref, error: wire })
      case 'ref-result':
        return this.outbox.push({ t: 'ref-result', call: frame.call, error: wire })
      case 'ref-call': {
        const pending = this.endCall(frame.call)
        pending?.reject(new TypeError(`sluice: the arguments could not be sent: ${(error as Error)?.message ?? String(error)}`))
        return this.changed()
      }
      default:
        return
    }
  }

  /** Settles a ref call or an imported promise from a frame carrying exactly one of `value` or `error`. */
  private settle(target: { resolve: (v: unknown) => void; reject: (e: unknown) => void }, frame: { value?: Encoded; error?: WireError }): void {
    if (frame.error !== undefined) target.reject(deserializeError(frame.error))
    else {
      try {
        target.resolve(frame.value === undefined ? undefined : this.decode(frame.value))
      } catch (e) {
        target.reject(e)
      }
    }
    this.changed()
  }

  // -------------------------------------------------------------------------------------------------------------
  // Teardown
  // -------------------------------------------------------------------------------------------------------------

  close(error: Error): void {
    if (this.closedWith !== undefined) return
    this.closedWith = error
    for (const entry of this.exported.values()) {
      if (entry.kind === 'readable' || entry.kind === 'iterable') entry.out.cancel(error)
      else if (entry.kind === 'channel') entry.core.finish(error)
    }
    for (const entry of this.imported.values()) {
      if (entry.kind === 'promise') {
        // A disconnect is reported by every open call already; a nested promise nobody awaited should not add
        // an unhandled rejection on top. Handlers attached to it still see the DisconnectedError.
        entry.promise.catch(() => {})
        entry.reject(error)
      }
      else if (entry.kind === 'readable' || entry.kind === 'iterable') entry.in.end(true, error)
      else if (entry.kind === 'channel') entry.core.finish(error)
    }
    for (const pending of this.calls.values()) pending.reject(error)
    this.exported.clear()
    this.imported.clear()
    this.calls.clear()
    this.callsPerRef.clear()
    this.changed()
  }

  private wireError(e: unknown): WireError {
    return serializeError(e, this.options.withStack)
  }

  private changed(): void {
    this.options.onChange()
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Adapters between sources/sinks and the flow classes
// ---------------------------------------------------------------------------------------------------------------

function readerSource(reader: ReadableStreamDefaultReader<unknown>) {
  return {
    next: () => reader.read() as Promise<IteratorResult<unknown>>,
    cancel: (reason: unknown) => reader.cancel(reason),
  }
}

function iteratorSource(iterator: AsyncIterator<unknown>) {
  return {
    next: () => iterator.next(),
    cancel: () => iterator.return?.(),
  }
}

function readableFrom(inbound: Inbound<unknown>): ReadableStream<unknown> {
  return new ReadableStream<unknown>(
    {
      async pull(controller) {
        const step = await inbound.next()
        if (step.done) controller.close()
        else controller.enqueue(step.value)
      },
      cancel(reason) {
        inbound.cancel(reason)
      },
    },
    // No queue of our own in the stream: the Inbound window is the only buffer, so credit is the only limit.
    { highWaterMark: 0 },
  )
}

function iterableFrom(inbound: Inbound<unknown>): AsyncIterable<unknown> & AsyncIterator<unknown> {
  const iterator = {
    next: () => inbound.next(),
    return: async (value?: unknown) => {
      inbound.cancel()
      return { value, done: true as const }
    },
    [Symbol.asyncIterator]() {
      return iterator
    },
  }
  return iterator
}
