/**
 * The ref table: one per connection, on each side. It allocates ids, keeps the counts the limits are checked
 * against, routes the peer's `ref-*` frames to the ref they are about, and ends everything when the connection
 * closes. What each kind does is in its own file, behind the `LiveRef` interface (live.ts).
 *
 * ============================================================================================================
 * Ids and ownership
 * ============================================================================================================
 * The side that sends a live object (the exporter) picks its id: the client counts up from 1, the host down
 * from -1. The sign therefore names the owner in every `ref-*` frame, and the two sides never collide.
 *
 * ============================================================================================================
 * Lifetimes
 * ============================================================================================================
 * - function: until the importer releases it (functions.ts);
 * - promise: until it settles (promises.ts);
 * - readable / iterable: until the producer ends or the consumer cancels (streams.ts);
 * - blob: the same, and unread call arguments end with their call (blobs.ts);
 * - channel: until either end closes it (channels.ts);
 * - on a client, a value holding a Blob is delivered once the Blob's bytes are in (arrivals.ts): until then
 *   it waits, with every later frame about the same ref; the reader giving up cancels the transfer;
 * - all of them: until the connection closes. Then every exported source is cancelled (its cancel()/onClose
 *   runs), every imported promise, stream and channel fails with the disconnect error, and every proxy
 *   function rejects its calls.
 */
import { copyItem, copyItemShared, decode, decodeItems, DEFAULT_MAX_NODES, encode, encodePlain, NEEDS_ENCODING } from '../codec.js'
import { dispose } from '../dispose.js'
import { ownBytes } from '../blob.js'
import { AbortError, ProtocolError } from '../errors.js'
import type { Flow } from '../flow/window.js'
import type { Outbox } from '../outbox.js'
import type { Encoded, RefFrame, RefKind, WireError } from '../protocol.js'
import { deserializeError, serializeError } from '../wire-error.js'
import { ChannelRef } from './channels.js'
import { ExportedFunction, ImportedFunction, RemoteCalls } from './functions.js'
import type { Source } from '../flow/pump.js'
import type { LiveRef, RefContext, RefEnd } from './live.js'
import { ExportedObservable, importedObservable } from './observables.js'
import { ExportedPromise, ImportedPromise } from './promises.js'
import { ExportedStream, ImportedStream, streamSource } from './streams.js'
import { exportBlob, ImportedBlob } from './blobs.js'

export interface RefTableOptions {
  /** 'host' ids count down from -1, 'client' ids count up from 1. */
  side: 'host' | 'client'
  /** Window for streams and channels this side consumes. */
  flow: Flow
  /** The most outstanding credit the peer may grant one of our producers. */
  maxCredit: number
  /** The most byte credit a peer's grant gives one of our channels (the excess is dropped). Default: no cap. */
  maxCreditBytes?: number
  withStack: boolean
  /** Called whenever the number of live refs may have dropped (the host uses it to retire closed connections). */
  onChange: () => void
  /** Caps on live refs, both directions together (the host passes its `SluiceLimits`; a client trusts its host). */
  limits?: Partial<RefLimits>
  /** A client's: holds frames whose values carry Blobs until their bytes are in (`frameHold`, arrivals.ts). */
  hold?: (table: RefTable) => FrameHold
}

/** What holds a client's frames for their Blobs (arrivals.ts), as the table sees it. */
export interface FrameHold {
  /** Takes `frame` to deliver later (returns true), or leaves it to be delivered now. */
  hold(frame: RefFrame): boolean
  /** Ref `id` ended or its reader gave up: what waits for it is dropped. */
  forgot(id: number, kind: RefKind): void
  /** Nobody will read ref `id`'s items now (an awaited stream call): those waiting for Blobs go on unread. */
  discard(id: number): void
  close(error: Error): void
}

/** A value decoded on arrival, for its frame's delivery to take later (`RefTable.decode` hands it out once). */
export interface Outcome {
  value?: unknown
  failed?: boolean
  error?: unknown
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
const BUCKET: Record<string, Bucket> = { function: 'refs', observable: 'refs', promise: 'refs', readable: 'streams', iterable: 'streams', blob: 'streams', channel: 'channels' }
const LIMIT_OF: Record<Bucket, keyof RefLimits> = { refs: 'maxRefs', channels: 'maxChannels', streams: 'maxRefStreams' }
const WHAT: Record<Bucket, string> = { refs: 'functions and promises', channels: 'channels', streams: 'streams passed as values' }

const isInt = (x: unknown): x is number => Number.isSafeInteger(x) && x !== 0
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) > 0

export class RefTable implements RefContext {
  private readonly step: number
  private nextId: number
  private readonly counts: Record<Bucket, number> = { refs: 0, channels: 0, streams: 0 }
  private readonly exported = new Map<number, LiveRef>()
  private readonly imported = new Map<number, LiveRef>()
  /** Exported functions by identity: the same function sent again keeps its id. */
  private readonly exportedFns = new WeakMap<Function, number>()
  /** Who wants to know when an exported ref ends (a call whose result holds it, see main/call.ts). */
  private readonly watchers = new Map<number, (end: RefEnd) => void>()
  private readonly limits: RefLimits
  private readonly calls: RemoteCalls
  closedWith: Error | undefined
  /** A client's: values holding Blobs wait for their bytes, in order per ref (arrivals.ts). */
  private readonly holder: FrameHold | undefined
  /** A client's: values decoded on arrival, for the frame's delivery to take (`decode`), once. */
  private readonly early: WeakMap<object, Outcome> | undefined
  readonly outbox: Outbox
  readonly flow: Flow
  readonly maxCredit: number
  readonly maxCreditBytes: number

  constructor(
    outbox: Outbox,
    private readonly options: RefTableOptions,
  ) {
    this.outbox = outbox
    this.flow = options.flow
    this.maxCredit = options.maxCredit
    this.maxCreditBytes = options.maxCreditBytes ?? Infinity
    this.step = options.side === 'host' ? -1 : 1
    this.nextId = this.step
    this.limits = { maxRefs: Infinity, maxChannels: Infinity, maxRefStreams: Infinity, maxCallbackCalls: Infinity, maxValueNodes: DEFAULT_MAX_NODES, ...options.limits }
    this.calls = new RemoteCalls(this, this.limits.maxCallbackCalls, (id) => this.collected(id))
    if (options.hold !== undefined) {
      this.early = new WeakMap()
      this.holder = options.hold(this)
    }
  }

  /** Live refs in both directions, plus ref calls awaiting an answer. */
  size(): number {
    return this.exported.size + this.imported.size + this.calls.size
  }

  private mine(id: number): boolean {
    return Math.sign(id) === this.step
  }

  /** Ref `id`, live here in either direction (the sign of its id says which). */
  private entry(id: number): LiveRef | undefined {
    return this.mine(id) ? this.exported.get(id) : this.imported.get(id)
  }

  /** The next id this side gives a ref it exports. */
  private allocate(): number {
    const id = this.nextId
    this.nextId += this.step
    return id
  }

  // -------------------------------------------------------------------------------------------------------------
  // RefContext: what every kind may use
  // -------------------------------------------------------------------------------------------------------------

  private readonly write = (kind: RefKind, value: unknown): number => this.export(kind, value)
  private readonly read = (kind: RefKind, id: number, at?: unknown): unknown => this.import(kind, id, at)

  /**
   * Encodes `value`, exporting the live objects in it. If it cannot be sent, the refs already made for it are
   * revoked and every live object in it is disposed (nobody will ever receive them), then the error is thrown.
   */
  encode(value: unknown, held?: number[]): Encoded {
    // Most values are plain data: no writer, no bookkeeping (this runs once per stream item).
    const plain = encodePlain(value, this.limits.maxValueNodes)
    if (plain !== undefined) return plain
    const written = held ?? []
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
      for (const id of written) this.exported.get(id)?.revoke(e)
      dispose(value, e)
      throw e
    }
  }

  /** Encodes one stream item into the outbox: plain data on the allocation-free path, the rest in full. */
  pushItem(id: number, value: unknown): void {
    const copy = copyItem(value, this.limits.maxValueNodes)
    if (copy !== NEEDS_ENCODING) return this.outbox.pushPlainItem(id, copy, copyItemShared())
    this.outbox.pushItem(id, this.encode(value))
  }

  decode(value: Encoded): unknown {
    if (this.early !== undefined) {
      const early = this.taken(value)
      if (early !== undefined) return early.value
    }
    if ((value as { r?: unknown } | null)?.r === undefined) return decode(value, this.read, this.limits.maxValueNodes)
    return this.tracked((read) => decode(value, read, this.limits.maxValueNodes))
  }

  /** Decodes stream items from the peer (see `Items`), with this table's limits. */
  decodeItems(frame: Parameters<typeof decodeItems>[0]): unknown[] {
    if (this.early !== undefined && frame.enc !== undefined) {
      const early = this.taken(frame)
      if (early !== undefined) return early.value as unknown[]
    }
    if (frame.enc === undefined) return decodeItems(frame, this.read, this.limits.maxValueNodes)
    return this.tracked((read) => decodeItems(frame, read, this.limits.maxValueNodes))
  }

  /**
   * Decodes with a reader that remembers what it imported: a value refused halfway (a later slot or item is
   * malformed) ends the refs it had already taken (a stream cancelled, a function released), so nothing of it
   * stays in the table.
   */
  private tracked<T>(run: (read: (kind: RefKind, id: number, at?: unknown) => unknown) => T): T {
    const live: unknown[] = []
    try {
      return run((kind, id, at) => {
        const value = this.import(kind, id, at)
        live.push(value)
        return value
      })
    } catch (e) {
      dispose(live, e)
      throw e
    }
  }

  /** What `key` was decoded to on arrival (once), rethrowing what decoding (or reading its blobs) threw. */
  private taken(key: object): Outcome | undefined {
    const early = this.early!.get(key)
    if (early === undefined) return undefined
    this.early!.delete(key)
    if (early.failed) throw early.error
    return early
  }

  wireError(e: unknown): WireError {
    return serializeError(e, this.options.withStack)
  }

  forget(id: number, end: RefEnd = {}): void {
    const map = this.mine(id) ? this.exported : this.imported
    const entry = map.get(id)
    if (entry === undefined) return
    map.delete(id)
    if (entry.uncounted !== true) this.counts[BUCKET[entry.kind]!]--
    this.holder?.forgot(id, entry.kind)
    if (map === this.exported) this.ended(id, end)
    this.changed()
  }

  changed(): void {
    this.options.onChange()
  }

  // -------------------------------------------------------------------------------------------------------------
  // Watching exported refs (a call lives as long as the live values it returned)
  // -------------------------------------------------------------------------------------------------------------

  /** Calls `fn` once when exported ref `id` ends, for whatever reason (at once if it already has), with how. */
  watch(id: number, fn: (end: RefEnd) => void): void {
    if (!this.exported.has(id)) return fn({})
    const before = this.watchers.get(id)
    this.watchers.set(id, before === undefined ? fn : (end) => (before(end), fn(end)))
  }

  private ended(id: number, end: RefEnd): void {
    const fn = this.watchers.get(id)
    if (fn === undefined) return
    this.watchers.delete(id)
    fn(end)
  }

  /**
   * Ends exported ref `id` now, from this side: the call that returned it was cancelled. A stream ends with
   * `reason` as its error, a channel closes, a promise rejects, a function is forgotten (the peer's later calls
   * to it fail). `tell`: send the peer the end too (not when the peer is the one who cancelled).
   */
  end(id: number, reason: unknown, tell = true): void {
    this.exported.get(id)?.end(reason, tell)
  }

  /**
   * Exports a host's stream call's iterable: like any iterable ref, but counted by the call (under
   * `maxStreams`), not against `maxRefStreams`, and `stopped` once its generator has really stopped (its
   * `finally` ran). The caller grants its first window (the `call` frame's `w`) with `pull`.
   */
  exportStream(source: Source, stopped: () => void): number {
    if (this.closedWith !== undefined) throw this.closedWith
    const id = this.allocate()
    this.exported.set(id, new ExportedStream(this, id, 'iterable', source, stopped, true))
    return id
  }

  /** Grants exported stream `id` `n` items of credit, as a `ref-pull` would. */
  pull(id: number, n: number): void {
    this.exported.get(id)?.pull?.(n)
  }

  /**
   * Imports stream `id` into a LiveRef of the caller's (a client's RemoteCall reads its call's stream itself),
   * uncounted. Throws a ProtocolError for an id that is not the peer's or already in use.
   */
  importWith(id: number, entry: LiveRef): void {
    if (!isInt(id) || this.mine(id)) throw new ProtocolError(`bad ref id ${String(id)}`)
    if (this.closedWith !== undefined) throw this.closedWith
    if (this.imported.has(id)) throw new ProtocolError(`ref ${id} is already in use`)
    this.imported.set(id, entry)
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

  private add(map: Map<number, LiveRef>, id: number, entry: LiveRef): void {
    // (uncounted entries are added by exportStream and importWith, never here)
    map.set(id, entry)
    this.counts[BUCKET[entry.kind]!]++
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
      if (entry instanceof ExportedFunction) {
        entry.sent++
        return known!
      }
    }
    this.checkLimit(kind, (m) => new RangeError(m))
    const id = this.allocate()
    let entry: LiveRef
    switch (kind) {
      case 'function':
        entry = new ExportedFunction(this, id, value as Function, () => this.exportedFns.delete(value as Function))
        this.exportedFns.set(value as Function, id)
        break
      case 'promise':
        entry = new ExportedPromise(this, id, value as Promise<unknown>)
        break
      case 'readable':
      case 'iterable':
        entry = new ExportedStream(this, id, kind, streamSource(kind, value))
        break
      case 'blob':
        entry = exportBlob(this, id, value)
        break
      case 'channel':
        entry = ChannelRef.exported(this, id, value as object)
        break
      case 'observable':
        entry = new ExportedObservable(this, id, value as object, (sid, reason) => this.end(sid, reason))
        break
    }
    this.add(this.exported, id, entry)
    return id
  }

  // -------------------------------------------------------------------------------------------------------------
  // Import: a live object of the peer's arrives here
  // -------------------------------------------------------------------------------------------------------------

  /** `at`: what the value held at the ref's place (a blob's metadata). */
  import(kind: RefKind, id: number, at?: unknown): unknown {
    if (!isInt(id) || this.mine(id)) throw new ProtocolError(`bad ref id ${String(id)}`)
    if (this.closedWith !== undefined) throw this.closedWith
    const known = this.imported.get(id)
    if (kind === 'function') {
      if (known instanceof ImportedFunction) {
        const proxy = known.proxy.deref()
        if (proxy !== undefined) {
          known.received++
          return proxy
        }
      }
      if (known === undefined) this.checkLimit(kind, (m) => new ProtocolError(m))
      const { proxy, entry } = this.calls.proxy(id)
      if (known !== undefined) this.imported.delete(id)
      else this.counts.refs++
      this.imported.set(id, entry)
      return proxy
    }
    if (known !== undefined) throw new ProtocolError(`ref ${id} is already in use`)
    this.checkLimit(kind, (m) => new ProtocolError(m))
    switch (kind) {
      case 'promise': {
        const entry = new ImportedPromise(this)
        this.add(this.imported, id, entry)
        return entry.promise
      }
      case 'readable':
      case 'iterable': {
        const entry = new ImportedStream(this, id, kind)
        this.add(this.imported, id, entry)
        return entry.value
      }
      case 'blob': {
        const entry = new ImportedBlob(this, id, at, this.options.side)
        this.add(this.imported, id, entry)
        return entry.take()
      }
      case 'channel': {
        const entry = ChannelRef.imported(this, id)
        this.add(this.imported, id, entry)
        return entry.core
      }
      case 'observable': {
        // A function ref underneath (each subscribe is a ref-call; released like a function), never shared.
        const { proxy, entry } = this.calls.proxy(id)
        this.add(this.imported, id, entry)
        return importedObservable(proxy)
      }
      default:
        throw new ProtocolError(`a ${String(kind)} ref is not accepted here`)
    }
  }

  /** The proxy for `id` was garbage-collected or released: tell the exporter how many sends that accounts for. */
  private collected(id: number): void {
    const entry = this.imported.get(id)
    if (!(entry instanceof ImportedFunction)) return
    this.forget(id)
    if (this.closedWith === undefined) this.outbox.push({ t: 'ref-release', ref: id, n: entry.received })
  }

  // -------------------------------------------------------------------------------------------------------------
  // Frames from the peer
  // -------------------------------------------------------------------------------------------------------------

  receive(f: RefFrame | { t: string }, late = false): void {
    if (this.closedWith !== undefined) return
    const frame = f as RefFrame
    if (this.holder !== undefined && !late && this.holder.hold(frame)) return
    switch (frame.t) {
      case 'ref-call': {
        // { t: 'ref-call', ref, call, args }
        if (!isInt(frame.ref) || !isCount(frame.call)) throw new ProtocolError('ref-call: ref and call must be integers')
        const entry = this.mine(frame.ref) ? this.exported.get(frame.ref) : undefined
        if (entry?.call === undefined) {
          this.outbox.push({ t: 'ref-result', call: frame.call, error: this.wireError(new Error('sluice: that function was released, or never existed; it can no longer be called')) })
          return
        }
        return entry.call(frame.call, frame.args)
      }
      case 'ref-result': // { t: 'ref-result', call, value | error }
        if (isCount(frame.call)) this.calls.answered(frame.call, frame)
        return
      case 'ref-release': {
        // { t: 'ref-release', ref, n }
        if (!isInt(frame.ref) || !isCount(frame.n)) throw new ProtocolError('ref-release: ref and n must be integers')
        const entry = this.mine(frame.ref) ? this.exported.get(frame.ref) : undefined
        entry?.release?.(frame.n)
        return
      }
      case 'ref-settle': {
        // { t: 'ref-settle', ref, value | error }
        const entry = this.imported.get(frame.ref)
        if (entry?.settle === undefined) return
        this.forget(frame.ref)
        entry.settle(frame)
        return
      }
      case 'ref-push': {
        // { t: 'ref-push', ref, items, enc? }
        if (!Array.isArray(frame.items)) throw new ProtocolError('ref-push: items must be an array')
        const entry = this.entry(frame.ref)
        if (entry === undefined) return this.endLate(frame.enc !== undefined, () => this.decodeItems(frame))
        if (entry.push === undefined) throw new ProtocolError(`ref-push: ref ${frame.ref} does not receive items`)
        let items: unknown[]
        try {
          items = this.decodeItems(frame)
        } catch (e) {
          throw new ProtocolError(`ref-push: ${(e as Error).message}`)
        }
        return this.pushItems(frame.ref, items)
      }
      case 'ref-bytes': {
        // { t: 'ref-bytes', ref, bytes }
        if (!isInt(frame.ref) || !(frame.bytes instanceof Uint8Array)) throw new ProtocolError('ref-bytes: ref must be an integer and bytes a Uint8Array')
        const entry = this.entry(frame.ref)
        if (entry === undefined) return
        if (entry.pushBytes === undefined) throw new ProtocolError(`ref-bytes: ref ${frame.ref} is not a channel`)
        if (!entry.pushBytes(ownBytes(frame.bytes))) throw new ProtocolError(`ref-bytes: ${frame.bytes.byteLength} bytes on channel ${frame.ref} exceed the credit granted`)
        return
      }
      case 'ref-pull': {
        // { t: 'ref-pull', ref, n, b? }
        const bytes = frame.b
        if (!isInt(frame.ref) || !(isCount(frame.n) || (frame.n === 0 && isCount(bytes))) || (bytes !== undefined && !isCount(bytes))) {
          throw new ProtocolError('ref-pull: ref, n and b must be integers')
        }
        const entry = this.entry(frame.ref)
        if (entry?.pull !== undefined && !entry.pull(frame.n, bytes)) {
          throw new ProtocolError(`ref-pull: more than ${this.maxCredit} credits outstanding on ${entry.kind === 'channel' ? 'channel' : 'ref'} ${frame.ref}`)
        }
        return
      }
      case 'ref-ack': {
        // { t: 'ref-ack', ref, n, v?, e? }
        if (!isInt(frame.ref) || !isCount(frame.n)) throw new ProtocolError('ref-ack: ref and n must be integers')
        const entry = this.entry(frame.ref)
        if (entry === undefined) return this.endLate(frame.v !== undefined, () => Object.values(frame.v as object).map((v) => this.decode(v as Encoded)))
        if (entry.ack === undefined) throw new ProtocolError(`ref-ack: ref ${frame.ref} is not a channel`)
        if (!entry.ack(frame)) throw new ProtocolError(`ref-ack: ${frame.n} acks on channel ${frame.ref} exceed the values sent`)
        return
      }
      case 'ref-end': {
        // { t: 'ref-end', ref, error?, value?, cancel? }
        if (!isInt(frame.ref)) throw new ProtocolError('ref-end: ref must be an integer')
        const mine = this.mine(frame.ref)
        const entry = this.entry(frame.ref)
        if (entry === undefined) return frame.value === undefined ? undefined : this.endLate((frame.value as { r?: unknown } | null)?.r !== undefined, () => this.decode(frame.value!))
        // A channel's abort value is checked with this connection's limits before anything else happens.
        const abort = (frame.error as WireError | undefined)?.abort
        if (entry.kind === 'channel' && abort !== undefined) {
          try {
            decode(abort, undefined, this.limits.maxValueNodes)
          } catch (e) {
            throw new ProtocolError(`ref-end: the abort value of channel ${frame.ref}: ${(e as Error).message}`)
          }
        }
        const hasError = frame.error !== undefined
        const error = hasError ? deserializeError(frame.error!) : undefined
        // An iterable's return value: only its producer sends one, and never with an error.
        let value: unknown
        if (frame.value !== undefined) {
          if (mine || hasError || entry.kind !== 'iterable') throw new ProtocolError(`ref-end: ref ${frame.ref} cannot end with a value`)
          try {
            value = this.decode(frame.value)
          } catch (e) {
            this.forget(frame.ref)
            const why = (e as Error).message.replace(/^sluice: /, '')
            entry.ended(new ProtocolError(`sluice: ref-end: ${why}`), true)
            throw new ProtocolError(`ref-end: ${why}`)
          }
        }
        // The peer ended one of ours: it cancelled it (a reader giving up), which its watcher hears as an error.
        this.forget(frame.ref, mine ? { error: error ?? new AbortError('sluice: the reader cancelled the stream') } : {})
        entry.ended(error, hasError, value)
        return
      }
      default:
        throw new ProtocolError(`unknown frame tag '${String((frame as { t: unknown }).t).slice(0, 40)}'`)
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // For a client's FrameHold (arrivals.ts): decode now, deliver later
  // -------------------------------------------------------------------------------------------------------------

  /** @internal Decodes `encoded` of `frame` (the frame itself for its items) now; `decode` hands it out later. */
  decodeEarly(frame: RefFrame, encoded: object): Outcome {
    let early: Outcome
    try {
      early = { value: encoded === frame ? decodeItems(frame as never, this.read, this.limits.maxValueNodes) : decode(encoded as Encoded, this.read, this.limits.maxValueNodes) }
    } catch (e) {
      early = { failed: true, error: e }
    }
    this.early!.set(encoded, early)
    return early
  }

  /** @internal Whether ref `id` is live here (a frame about any other is ignored, undecoded). */
  has(id: number): boolean {
    return this.entry(id) !== undefined
  }

  /** @internal Whether imported ref `id` drops what arrives (its items' Blobs need not be read first). */
  discards(id: number): boolean {
    return this.imported.get(id)?.discards === true
  }

  /**
   * @internal Imported stream `id` now drops its items (an awaited stream call): items still waiting for their
   * Blobs' bytes are handed on at once, unread, so their transfers stop and their credit comes back.
   */
  discardItems(id: number): void {
    this.holder?.discard(id)
  }

  /** @internal Forgets what `decodeEarly` kept for `encoded` (its value is delivered another way). */
  forgetEarly(encoded: object): void {
    this.early?.delete(encoded)
  }

  /** Hands decoded items to the stream or channel `ref` (now, or once the Blobs in them are in). */
  pushItems(ref: number, items: unknown[]): void {
    const entry = this.entry(ref)
    if (entry?.push === undefined) return dispose(items)
    let taken: boolean
    try {
      taken = entry.push(items)
    } catch (e) {
      // Refused (a blob's chunk that is not bytes): the live values in the items are never delivered.
      for (const item of items) dispose(item)
      throw e
    }
    if (!taken) {
      for (const item of items) dispose(item)
      throw new ProtocolError(`ref-push: ${items.length} items on ref ${ref} exceed the credit granted`)
    }
  }

  /**
   * Values for a ref this side already let go of (items or acks that crossed a cancel on the wire): decoded only
   * to end the live values in them, which the other side exported and would otherwise hold until the connection
   * closes. A late frame that does not decode imported nothing, and is dropped like any late frame.
   */
  private endLate(holdsRefs: boolean, values: () => unknown): void {
    if (!holdsRefs) return
    let late: unknown
    try {
      late = values()
    } catch {
      return
    }
    dispose(late, new AbortError('sluice: this value arrived after its stream or channel ended'))
  }

  /** @internal Ends imported stream or channel `id` from this side with `error`: its values cannot be delivered. */
  cut(id: number, error: unknown): void {
    const entry = this.imported.get(id)
    if (entry === undefined) return
    this.forget(id)
    this.outbox.push({ t: 'ref-end', ref: id, cancel: true, error: this.wireError(error) })
    entry.close(error instanceof Error ? error : new Error(String(error)))
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
        if (entry instanceof ExportedStream) return entry.failed(error, wire)
        this.outbox.push({ t: 'ref-end', ref: frame.ref, error: wire })
        return this.changed()
      }
      case 'ref-settle':
        return this.outbox.push({ t: 'ref-settle', ref: frame.ref, error: wire })
      case 'ref-end':
        // A return value that could not be sent: the refs in it never reached the peer.
        if (frame.value === undefined) return
        for (const slot of frame.value.r ?? []) this.exported.get(slot[2])?.revoke(error)
        return this.outbox.push({ t: 'ref-end', ref: frame.ref, error: wire })
      case 'ref-result':
        return this.outbox.push({ t: 'ref-result', call: frame.call, error: wire })
      case 'ref-call':
        return this.calls.failed(frame.call, error)
      default:
        return
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Teardown
  // -------------------------------------------------------------------------------------------------------------

  close(error: Error): void {
    if (this.closedWith !== undefined) return
    this.closedWith = error
    const exported = [...this.exported]
    const imported = [...this.imported.values()]
    this.exported.clear()
    this.imported.clear()
    this.counts.refs = this.counts.channels = this.counts.streams = 0
    for (const [id, entry] of exported) {
      entry.close(error)
      this.ended(id, { error })
    }
    for (const entry of imported) entry.close(error)
    this.calls.close(error)
    this.holder?.close(error)
    this.changed()
  }
}

