/**
 * The host: serves an api object to any number of peers, one connection per port.
 *
 * A connection never throws into its port's event loop. Every frame from the peer is validated; a bad one is
 * answered with an `error` frame (when it names a usable call id) or a `protocol-error` frame, and the
 * connection carries on serving that peer and every other.
 */
import { decode, encode, withMessageBudget } from '../shared/codec.js'
import { dispose } from '../shared/dispose.js'
import { AbortError, DisconnectedError, isAbort, ProtocolError } from '../shared/errors.js'
import { DEFAULT_LIMITS, type SluiceLimits } from '../shared/limits.js'
import { DEFAULT_FLOW, type FlowOptions, flowOptions } from '../shared/flow/window.js'
import { Outbox } from '../shared/outbox.js'
import { type Port, type PortLike, toPort } from '../shared/port.js'
import type { CallFrame, ClientToHostFrame, Encoded, HostToClientFrame, RefFrame, RefKind } from '../shared/protocol.js'
import { afterTask } from '../shared/schedule.js'
import { serializeError } from '../shared/wire-error.js'
import { RefTable } from '../shared/refs/table.js'
import { RemoteFile } from '../shared/refs/blobs.js'
import { maxArity } from './arity.js'
import { Call, type LazyAbort } from './call.js'
import { contextStore, type Peer } from './context.js'
import { callSource, closeIterator, isAsyncIterable } from './stream.js'
import type { RefEnd } from '../shared/refs/live.js'

export interface HostOptions {
  /** Per-connection limits; unspecified fields keep `DEFAULT_LIMITS`. */
  limits?: Partial<SluiceLimits>
  /**
   * The credit window of every stream this host consumes: ReadableStreams, async iterables and channel
   * messages from the client. It starts at `initialWindow` (64) and grows while the host keeps up. (A generator
   * call's window is the client's: it consumes those.) It also bounds what waits on the host for each Observable
   * the host sends: one window, `maxWindow` items or `maxWindowBytes`. See docs/api.md#flow.
   */
  flow?: FlowOptions
  /**
   * Batching of what the host sends. Defaults: a post every 1024 items at most, and no later than 10 ms into
   * continuous production; each stream also posts at half its window, and everything goes out when the task ends.
   */
  batch?: { maxItems?: number; maxDelayMs?: number }
  /** Send error stacks to the peer. Default false; `serve()` turns it on when the app is not packaged. */
  dev?: boolean
  /** Told about handler errors and protocol errors, for logging. Never required: the peer is always told. */
  onError?: (error: unknown, info: { peer: Peer; method?: string; kind: 'handler' | 'protocol' }) => void
}

export interface ConnectionStats {
  id: number
  peer: Peer
  open: boolean
  /** Plain calls whose handler has not settled. */
  calls: number
  /** Streams whose generator has not finished (a cancelled one counts until its `finally` has run). */
  streams: number
  /** Live refs: callbacks, promises, ReadableStreams, iterables and channels, in both directions. */
  refs: number
}

export interface HostStats {
  connections: number
  calls: number
  streams: number
  refs: number
  peers: ConnectionStats[]
}

export interface Connection {
  readonly id: number
  readonly peer: Peer
  readonly closed: boolean
  /** Ends this peer: cancels its calls and streams (their `finally` and `onClose` run) and closes the port. */
  close(reason?: string): void
  /** Runs once when the connection closes, for whatever reason. */
  onClose(fn: () => void): void
}

export interface HostCore {
  connect(port: PortLike, peer?: Record<string, unknown>): Connection
  stats(): HostStats
  /** Sends an event frame to every open connection. */
  broadcast(name: string, payload: unknown): void
  /** Closes every connection. */
  close(): void
}

const isId = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) > 0

function isPath(path: unknown, maxDepth: number): path is string[] {
  if (!Array.isArray(path) || path.length === 0 || path.length > maxDepth) return false
  for (const segment of path) if (typeof segment !== 'string') return false
  return true
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype'])

/** A plain object or a module namespace: what the api may nest methods in. */
function isNamespace(node: unknown): node is object {
  if (typeof node !== 'object' || node === null) return false
  const proto = Object.getPrototypeOf(node)
  return proto === Object.prototype || proto === null || isModule(node)
}

/**
 * A module namespace, native or as a bundler or test runner builds one: tagged `[Symbol.toStringTag]: 'Module'`
 * (ES namespaces, Rollup, Vite), or a CommonJS exports object marked `__esModule` (tsc, tsx).
 */
function isModule(node: object): boolean {
  const tag = Object.getOwnPropertyDescriptor(node, Symbol.toStringTag)
  if (tag !== undefined && tag.value === 'Module') return true
  const marker = Object.getOwnPropertyDescriptor(node, '__esModule')
  return marker !== undefined && marker.value === true
}

/**
 * An export binding, as bundlers and test runners emit them: a getter with no setter that returns the binding
 * and runs nothing else. Either on a module namespace (see isModule; Vite's and vitest's are configurable), or
 * made by `Object.defineProperty(ns, name, { enumerable: true, get })`, which is not configurable: esbuild,
 * Rollup and tsc emit namespaces so. A getter written in an object literal or a class is configurable and on no
 * module namespace, so a lookup never runs one.
 */
function isExportBinding(desc: PropertyDescriptor, node: object): boolean {
  return desc.get !== undefined && desc.set === undefined && (desc.configurable === false || isModule(node))
}

function readBinding(get: () => unknown, node: object): unknown {
  try {
    return get.call(node)
  } catch {
    return undefined // a binding still in its temporal dead zone
  }
}

interface Settings {
  limits: SluiceLimits
  flow: Required<FlowOptions>
  dev: boolean
  onError: HostOptions['onError']
  batch: { maxItems: number; maxDelayMs: number }
}

export function createHostCore(api: object, options: HostOptions = {}): HostCore {
  const settings: Settings = {
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    flow: flowOptions(options.flow, 'createHost'),
    dev: options.dev ?? false,
    onError: options.onError,
    batch: { maxItems: options.batch?.maxItems ?? 1024, maxDelayMs: options.batch?.maxDelayMs ?? 10 },
  }
  if (typeof api !== 'object' || api === null) throw new TypeError('sluice: createHost: api must be an object or a module namespace')
  const connections = new Set<HostConnection>()
  let nextId = 1
  return {
    connect(portLike, peerInfo) {
      const conn = new HostConnection(nextId++, toPort(portLike), peerInfo ?? {}, api, settings, () => {
        if (conn.idle()) connections.delete(conn)
      })
      connections.add(conn)
      conn.start()
      return conn
    },
    stats() {
      const peers = [...connections].map((c) => c.stats())
      const sum = (k: 'calls' | 'streams' | 'refs') => peers.reduce((n, p) => n + p[k], 0)
      return { connections: peers.filter((p) => p.open).length, calls: sum('calls'), streams: sum('streams'), refs: sum('refs'), peers }
    },
    broadcast(name, payload) {
      let value: Encoded
      try {
        value = encode(payload)
      } catch (e) {
        throw new TypeError(`sluice: emit('${name}'): the payload cannot be sent: ${(e as Error).message}`)
      }
      for (const c of connections) c.event(name, value)
    },
    close() {
      for (const c of connections) c.close('host closed')
    },
  }
}

class HostConnection implements Connection {
  readonly peer: Peer
  private readonly outbox: Outbox
  /** Calls by id: running, settling (their result holds live values), or cancelled but not yet finished. */
  private readonly entries = new Map<number, Call>()
  private readonly refs: RefTable
  private readonly closers: (() => void)[] = []
  private streamCount = 0
  private callCount = 0
  closed = false

  constructor(
    readonly id: number,
    private readonly port: Port,
    peerInfo: Record<string, unknown>,
    private readonly api: object,
    private readonly settings: Settings,
    private readonly onIdle: () => void,
  ) {
    this.peer = Object.freeze({ ...peerInfo, id })
    this.outbox = new Outbox((envelope) => this.port.post(envelope), {
      ...settings.batch,
      schedule: afterTask,
      onPostError: (frame, error) => this.postFailed(frame as HostToClientFrame, error),
    })
    this.refs = new RefTable(this.outbox, {
      side: 'host',
      flow: settings.flow,
      maxCredit: settings.limits.maxCredit,
      maxCreditBytes: settings.flow.maxWindowBytes,
      withStack: settings.dev,
      onChange: () => this.maybeIdle(),
      limits: settings.limits,
    })
  }

  start(): void {
    this.port.listen(
      (data) => this.receive(data),
      () => this.close('the port closed'),
    )
  }

  // -------------------------------------------------------------------------------------------------------------
  // Incoming frames
  // -------------------------------------------------------------------------------------------------------------

  private receive(data: unknown): void {
    if (this.closed) return
    if (!Array.isArray(data)) return this.protocolError('a message must be an array of frames')
    if (data.length > this.settings.limits.maxFramesPerMessage) {
      return this.protocolError(`a message carried ${data.length} frames; the limit is ${this.settings.limits.maxFramesPerMessage}`)
    }
    // One node budget for every value in the message (codec.ts withMessageBudget), not one per value.
    withMessageBudget(this.settings.limits.maxValueNodes, () => {
      for (const frame of data) {
        if (this.closed) return
        try {
          this.frame(frame as ClientToHostFrame)
        } catch (e) {
          // Validation throws ProtocolErrors; anything else is our bug, but it still must not escape.
          this.protocolError(e instanceof Error ? e.message : String(e), (frame as { t?: unknown })?.t)
        }
      }
    })
  }

  private frame(f: ClientToHostFrame): void {
    if (typeof f !== 'object' || f === null || typeof f.t !== 'string') throw new ProtocolError('a frame must be an object with a string tag t')
    switch (f.t) {
      case 'call': // { t: 'call', id, path, args, w? }
        return this.call(f)
      case 'cancel': {
        // { t: 'cancel', id }
        if (!isId(f.id)) throw new ProtocolError('cancel: id must be a positive integer')
        const entry = this.entries.get(f.id)
        if (entry !== undefined) this.cancel(entry, new AbortError('cancelled by the client'))
        return
      }
      case 'ref-call':
      case 'ref-result':
      case 'ref-release':
      case 'ref-settle':
      case 'ref-push':
      case 'ref-bytes':
      case 'ref-pull':
      case 'ref-ack':
      case 'ref-end':
        return this.refs.receive(f)
      default:
        throw new ProtocolError(`unknown frame tag '${String((f as { t: unknown }).t).slice(0, 40)}'`)
    }
  }

  private call(f: CallFrame): void {
    const { id, path } = f
    if (!isId(id)) throw new ProtocolError('call: id must be a positive integer')
    if (this.entries.has(id)) throw new ProtocolError(`call: id ${id} is already in use`)
    const { limits } = this.settings
    if (!isPath(path, limits.maxPathDepth)) return this.reject(id, `call: path must be 1 to ${limits.maxPathDepth} strings`)
    const window = f.w === undefined ? DEFAULT_FLOW.initialWindow : f.w
    if (!isId(window) || window > limits.maxCredit) return this.reject(id, `call: w (the initial window) must be 1 to ${limits.maxCredit} (limits.maxCredit)`)
    if (this.callCount >= limits.maxPendingCalls) {
      return this.reject(id, `too many pending calls on this connection (limit ${limits.maxPendingCalls})`)
    }
    const target = this.resolve(path)
    if (typeof target === 'string') return this.reject(id, target)
    const method = path.length === 1 ? path[0]! : path.join('.')
    const entry = new Call(id, this.peer, method, window)
    const ctrl = entry.ctrl
    // Live objects the arguments bring in (the peer's callbacks, promises, streams). A call refused after
    // decoding must not leave them behind: they are disposed with it (released, cancelled, handled).
    const live: unknown[] = []
    const refuse = (message: string): void => {
      dispose(live, new ProtocolError(`sluice: ${message}`))
      this.reject(id, message)
    }
    let args: unknown
    try {
      // Only a value with refs needs a reader; most calls carry plain data.
      const refs = (f.args as { r?: unknown } | null)?.r
      const reader = refs === undefined ? undefined : (kind: RefKind, refId: number, at?: unknown) => {
        const value = this.readRef(kind, refId, ctrl, at)
        live.push(value)
        return value
      }
      args = decode(f.args, reader, limits.maxValueNodes)
    } catch (e) {
      return refuse(`${method}: bad arguments: ${(e as Error).message}`)
    }
    if (!Array.isArray(args)) return refuse(`${method}: arguments must be an array`)
    if (args.length > limits.maxArgs) return refuse(`${method}: ${args.length} arguments exceed the limit of ${limits.maxArgs}`)
    const arity = maxArity(target.fn)
    if (args.length > arity) return refuse(`api.${method} takes at most ${arity} argument${arity === 1 ? '' : 's'}, got ${args.length}`)

    this.entries.set(id, entry)
    this.callCount++
    // A file the handler never started reading is released when its call ends, and any file when the call is
    // cancelled or fails: the page stops sending it.
    for (const value of live) {
      if (value instanceof RemoteFile) entry.onClose((reason) => (reason === undefined ? dispose(value, new Error(`sluice: api.${method} ended without reading this file`)) : value.cancel(reason)))
    }
    let out: unknown
    try {
      out = contextStore.run(entry, () => target.fn.apply(target.self, args as unknown[]))
    } catch (e) {
      return this.fail(entry, e)
    }
    this.settle(entry, out)
  }

  /** Answers call `id` with a ProtocolError: the peer asked for something it may not have. */
  private reject(id: number, message: string): void {
    const error = new ProtocolError(`sluice: ${message}`)
    this.outbox.push({ t: 'error', id, error: serializeError(error, false) })
    this.settings.onError?.(error, { peer: this.peer, kind: 'protocol' })
  }

  /**
   * Finds `path` in the api. What is callable, exactly: a function held in an own, enumerable data property, or
   * in an export binding (see isExportBinding; no other getter is ever run here), of the api or of a namespace
   * inside it, where a namespace is a plain object or a module namespace, reached the same way. So a class's
   * static methods, the fields of an exported class instance, inherited members and
   * `__proto__`/`constructor`/`prototype` are never callable.
   * Returns the function, or an error message naming the method.
   */
  private resolve(path: string[]): { fn: Function; self: unknown } | string {
    let self: unknown = undefined
    let node: unknown = this.api
    for (const key of path) {
      if (FORBIDDEN.has(key) || !isNamespace(node)) return `no method 'api.${path.join('.')}' on the host`
      let desc: PropertyDescriptor | undefined
      try {
        desc = Object.getOwnPropertyDescriptor(node, key)
      } catch {
        desc = undefined // a module binding still in its temporal dead zone
      }
      if (desc === undefined || !desc.enumerable) return `no method 'api.${path.join('.')}' on the host`
      self = node
      if ('value' in desc) node = desc.value
      else if (isExportBinding(desc, node)) node = readBinding(desc.get!, node)
      else return `no method 'api.${path.join('.')}' on the host`
    }
    if (typeof node !== 'function') return `'api.${path.join('.')}' is not a function on the host`
    return { fn: node, self }
  }

  private settle(entry: Call, out: unknown): void {
    if (isAsyncIterable(out)) return this.beginStream(entry, out)
    if (typeof (out as PromiseLike<unknown>)?.then === 'function') {
      ;(out as PromiseLike<unknown>).then(
        (value) => (isAsyncIterable(value) ? this.beginStream(entry, value) : this.resolveCall(entry, value)),
        (e) => this.fail(entry, e),
      )
      return
    }
    this.resolveCall(entry, out)
  }

  private resolveCall(entry: Call, value: unknown): void {
    if (entry.done) {
      // Cancelled or disconnected while the handler ran: the result will never be delivered, so end what is
      // live in it (a returned stream's source, a channel's onClose, a promise that follows the aborted signal).
      dispose(value, entry.reason)
    } else {
      try {
        this.answer(entry, value)
      } catch (e) {
        return this.fail(entry, new TypeError(`sluice: api.${entry.method} returned a value that cannot be sent: ${(e as Error).message}`))
      }
    }
    this.finish(entry, undefined)
  }

  /**
   * Sends a handler's result. Throws, sending nothing, when it cannot be sent. With live refs in it, the call
   * lives (settles) until each has ended.
   */
  private answer(entry: Call, value: unknown): void {
    const live: number[] = []
    this.outbox.push({ t: 'result', id: entry.id, value: this.refs.encode(value, live) })
    entry.answered(live)
    for (const ref of live) this.watch(entry, ref)
  }

  /** Ref `ref` in the call's result (or in its stream's return value) keeps the call settling until it ends. */
  private watch(entry: Call, ref: number): void {
    this.refs.watch(ref, () => {
      entry.released(ref)
      this.retire(entry)
    })
  }

  /**
   * A stream call: its result is its iterable, sent as a ref (`{ v: null, r: [[[], 'iterable', ref]] }`), and
   * the call settles until that stream ends. Its first window (`w`) is granted at once, inside the call's
   * context, so the generator's body and every step after it see getContext().
   */
  private beginStream(entry: Call, iterable: AsyncIterable<unknown>): void {
    this.callCount--
    this.streamCount++
    entry.isStream = true
    if (this.streamCount > this.settings.limits.maxStreams) {
      void closeIterator(() => iterable[Symbol.asyncIterator]())
      return this.fail(entry, new ProtocolError(`sluice: too many open streams on this connection (limit ${this.settings.limits.maxStreams})`))
    }
    if (entry.done) {
      // Cancelled while an async handler was still producing its iterable: end it without starting it.
      void closeIterator(() => iterable[Symbol.asyncIterator]()).then(() => this.finish(entry, entry.reason))
      return
    }
    let iterator: AsyncIterator<unknown>
    try {
      iterator = contextStore.run(entry, () => iterable[Symbol.asyncIterator]())
    } catch (e) {
      return this.fail(entry, e)
    }
    const ref = this.refs.exportStream(callSource(entry, iterator), () => this.finish(entry, entry.reason))
    entry.streamRef = ref
    this.outbox.push({ t: 'result', id: entry.id, value: { v: null, r: [[[], 'iterable', ref]] } })
    entry.answered([ref])
    this.refs.watch(ref, (end) => this.streamEnded(entry, ref, end))
    contextStore.run(entry, () => this.refs.pull(ref, entry.window))
  }

  /**
   * The call's stream ended: it returned (the live values in its return value keep the call settling), it
   * failed (reported like a handler's throw), or its reader cancelled it.
   */
  private streamEnded(entry: Call, ref: number, end: RefEnd): void {
    for (const held of end.held ?? []) {
      entry.adopt(held)
      this.watch(entry, held)
    }
    if (end.error === undefined) entry.released(ref)
    else if (entry.state !== 'closed') {
      const e = end.error
      if (end.failed === true && !(e instanceof AbortError) && !isAbort(e)) this.settings.onError?.(e, { peer: this.peer, method: entry.method, kind: 'handler' })
      // A generator that threw Abort(value) aborted its own call; a reader's cancel keeps its own reason.
      entry.cancel(end.failed === true && isAbort(e) ? new AbortError('aborted by the host', e.value) : e)
    }
    this.retire(entry)
  }

  /** Sends the error (unless the client already gave up on this call), closes the call and finishes it. */
  private fail(entry: Call, e: unknown): void {
    if (!entry.done) {
      entry.done = true
      this.outbox.push({ t: 'error', id: entry.id, error: serializeError(e, this.settings.dev) })
      this.outbox.flush()
      if (!(e instanceof AbortError) && !isAbort(e)) this.settings.onError?.(e, { peer: this.peer, method: entry.method, kind: 'handler' })
    }
    entry.cancel(isAbort(e) ? new AbortError('aborted by the host', e.value) : e)
    this.finish(entry, entry.reason)
  }

  /**
   * The client or the connection gave up on `entry`. Aborts its signal and runs its onClose hooks at once; a
   * settling call's live values (its stream, if it is a stream call) are ended with it.
   */
  private cancel(entry: Call, reason: Error): void {
    if (entry.state === 'settling') {
      const live = entry.liveRefs()
      entry.cancel(reason)
      // The client cancelled the call, so it already stopped reading its stream: only the other values hear it.
      for (const ref of live) this.refs.end(ref, reason, ref !== entry.streamRef)
      return this.retire(entry)
    }
    // A running handler hears it through its signal and finishes when it settles; a stream it then returns is
    // ended unstarted (see beginStream).
    entry.cancel(reason)
  }

  /** The handler or generator has stopped. The call is forgotten once it is also closed (see retire). */
  private finish(entry: Call, reason: unknown): void {
    if (entry.finished) return
    entry.finished = true
    if (entry.isStream) this.streamCount--
    else this.callCount--
    if (entry.state === 'running') entry.close(reason)
    this.retire(entry)
  }

  /** Forgets a call that has finished and closed. */
  private retire(entry: Call): void {
    if (!entry.finished || entry.state !== 'closed') return
    if (this.entries.get(entry.id) === entry) this.entries.delete(entry.id)
    this.maybeIdle()
  }

  // -------------------------------------------------------------------------------------------------------------
  // Refs: live objects inside arguments and results
  // -------------------------------------------------------------------------------------------------------------

  private readRef(kind: RefKind, id: number, ctrl: LazyAbort, at: unknown): unknown {
    // An AbortSignal argument becomes the call's own signal: the client aborting it cancels the call.
    if (kind === 'signal') return ctrl.signal
    return this.refs.import(kind, id, at)
  }

  // -------------------------------------------------------------------------------------------------------------
  // Lifecycle
  // -------------------------------------------------------------------------------------------------------------

  /** postMessage refused one of our frames: the client must hear about it, and a stream behind it must stop. */
  private postFailed(frame: HostToClientFrame, error: unknown): void {
    const failure = new TypeError(`sluice: a value could not be sent: ${(error as Error)?.message ?? String(error)}`)
    this.settings.onError?.(failure, { peer: this.peer, kind: 'handler' })
    if (frame.t === 'result') {
      const entry = this.entries.get(frame.id)
      if (entry !== undefined && !entry.done) return this.fail(entry, failure)
      this.outbox.push({ t: 'error', id: frame.id, error: serializeError(failure, this.settings.dev) })
    } else if (frame.t.startsWith('ref-')) {
      this.refs.postFailed(frame as RefFrame, error)
    }
  }

  event(name: string, payload: Encoded): void {
    if (!this.closed) this.outbox.push({ t: 'event', name, payload })
  }

  private protocolError(message: string, tag?: unknown): void {
    const frame = typeof tag === 'string' ? tag.slice(0, 40) : undefined
    this.outbox.push(frame === undefined ? { t: 'protocol-error', message: `sluice: ${message}` } : { t: 'protocol-error', message: `sluice: ${message}`, frame })
    this.settings.onError?.(new ProtocolError(message), { peer: this.peer, kind: 'protocol' })
  }

  close(reason = 'closed by the host'): void {
    if (this.closed) return
    this.closed = true
    this.outbox.flush()
    this.outbox.close()
    const error = new DisconnectedError(`sluice: the peer disconnected (${reason})`)
    for (const entry of this.entries.values()) this.cancel(entry, error)
    this.refs.close(error)
    try {
      this.port.close()
    } catch {
      // Closing an already-dead port is fine.
    }
    for (const fn of this.closers.splice(0)) {
      try {
        fn()
      } catch (e) {
        this.settings.onError?.(e, { peer: this.peer, kind: 'handler' })
      }
    }
    this.maybeIdle()
  }

  onClose(fn: () => void): void {
    if (this.closed) fn()
    else this.closers.push(fn)
  }

  idle(): boolean {
    return this.closed && this.entries.size === 0 && this.refs.size() === 0
  }

  private maybeIdle(): void {
    if (this.idle()) this.onIdle()
  }

  stats(): ConnectionStats {
    return { id: this.id, peer: this.peer, open: !this.closed, calls: this.callCount, streams: this.streamCount, refs: this.refs.size() }
  }
}
