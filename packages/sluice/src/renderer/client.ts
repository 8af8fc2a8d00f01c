/**
 * The client: an untyped proxy over one port. It knows no api types (those live in shared/types.ts); it turns
 * `api.a.b(...args)` into a `call` frame and hands back a `RemoteCall`.
 */
import { dispose } from '../shared/dispose.js'
import { decode, encode } from '../shared/codec.js'
import { AbortError, DisconnectedError } from '../shared/errors.js'
import { DEFAULT_FLOW, type Flow, type FlowOptions, flowOptions } from '../shared/flow/window.js'
import { Outbox } from '../shared/outbox.js'
import { type Port, type PortLike, toPort } from '../shared/port.js'
import type { Encoded, HostToClientFrame, RefFrame, RefKind } from '../shared/protocol.js'
import { RefTable } from '../shared/refs/table.js'
import { Arrivals, frameHold } from '../shared/refs/arrivals.js'
import { blobImports } from '../shared/refs/blobs.js'
import { afterMicrotasks, afterTask } from '../shared/schedule.js'
import { deserializeError } from '../shared/wire-error.js'
import { type CallLink, DeferredLink, RemoteCall } from './stream-call.js'

export interface ClientOptions {
  /**
   * The credit window of every stream this client consumes: a generator call's yields, and the ReadableStreams,
   * async iterables and channel messages it receives. It starts at `initialWindow` (64) and grows while the
   * page keeps up, to `maxWindow` items and `maxWindowBytes`; the same bound holds what waits here for each
   * Observable the client sends. See docs/api.md#flow.
   */
  flow?: FlowOptions
  /**
   * `'animation-frame'`: grant stream credit only at the page's next animation frame (or within 50 ms when no
   * frame comes, as in a hidden window), so a flooding producer can never send faster than the page draws.
   * Default `'none'`: grant at once. See docs/api.md#flow.
   */
  pace?: 'animation-frame' | 'none'
  /** Told when the host reports a protocol error that names no call. Default: `console.warn`. */
  onProtocolError?: (message: string) => void
}

type EventListener = (payload: unknown) => void

export class ClientConnection {
  private readonly port: Port
  private readonly outbox: Outbox
  private readonly calls = new Map<number, RemoteCall>()
  /** Calls whose delivery waits on a Blob's bytes, by call id (see inOrder). */
  private readonly arrivals = new Arrivals((e) => this.reportProtocolError(`bad frame from the host: ${(e as Error)?.message ?? String(e)}`))
  /** For calls made with an AbortSignal: marks the call's value as holding live refs (see call()). */
  private readonly liveMarkers = new Map<number, () => void>()
  private readonly listeners = new Map<string, Set<EventListener>>()
  private readonly closers = new Set<(error: Error) => void>()
  readonly refs: RefTable
  private nextId = 1
  private closedWith: Error | undefined
  private readonly flow: Flow

  constructor(portLike: PortLike, private readonly options: ClientOptions = {}) {
    if (options.pace !== undefined && options.pace !== 'none' && options.pace !== 'animation-frame') {
      throw new RangeError(`sluice: createClient: options.pace must be 'animation-frame' or 'none', not ${String(options.pace)}`)
    }
    this.flow = { ...flowOptions(options.flow, 'createClient'), ...(options.pace === 'animation-frame' && { pace: animationFrame }) }
    this.port = toPort(portLike)
    // Calls made in one synchronous stretch leave in one postMessage: flush after microtasks, not after the task.
    this.outbox = new Outbox((envelope) => this.port.post(envelope), {
      maxItems: 64,
      maxDelayMs: 10,
      schedule: afterMicrotasks,
      itemSchedule: afterTask,
      onPostError: (frame, error) => {
        if (frame.t === 'call') this.settle(frame.id)?.onError(new TypeError(`sluice: api.${frame.path.join('.')}(): the arguments could not be sent: ${(error as Error)?.message ?? String(error)}`))
        else if (frame.t.startsWith('ref-')) this.refs.postFailed(frame as RefFrame, error)
      },
    })
    this.refs = new RefTable(this.outbox, {
      side: 'client',
      flow: this.flow,
      maxCredit: 1 << 30,
      withStack: true,
      onChange: () => {},
      hold: frameHold((e) => this.reportProtocolError(`bad frame from the host: ${(e as Error)?.message ?? String(e)}`)),
    })
    this.port.listen(
      (data) => this.receive(data),
      () => this.close(new DisconnectedError('sluice: the connection to the host closed')),
    )
  }

  get closed(): boolean {
    return this.closedWith !== undefined
  }

  /** The flow options every stream of this connection uses (what a DeferredLink needs before it has one). */
  get flowOptions(): Flow {
    return this.flow
  }

  /**
   * Calls `path` on the host. `deferred`: a call made earlier, before the page knew which host serves it
   * (see routes.ts); it is sent now, as is, and keeps its `method` (the name the page used).
   */
  call(path: string[], args: unknown[], deferred?: DeferredLink): RemoteCall {
    const id = this.nextId++
    const method = deferred?.method ?? path.join('.')
    let signal: AbortSignal | undefined
    /** The call's value holds live refs (a stream, a channel…): the signal may still end them after it settled. */
    let live = false
    const link: CallLink = {
      method,
      flow: this.flow,
      cancel: () => {
        this.liveMarkers.delete(id)
        this.calls.delete(id)
        // Before its result, or while its stream runs: the host ends the call, and the stream with it.
        this.outbox.push({ t: 'cancel', id })
        // A value still receiving a Blob's bytes is not delivered now: stop its transfers, not read them out.
        this.arrivals.drop(id, new AbortError(`sluice: api.${method}() was cancelled while a Blob it sent was arriving`))
      },
      closed: () => {
        if (!live) signal?.removeEventListener('abort', onAbort)
      },
    }
    const call = deferred !== undefined ? deferred.bind(link) : new RemoteCall(link)
    const onAbort = () => {
      // After the call settled, the host still holds the live values it returned until they end: aborting
      // the call's signal ends them too (a returned ReadableStream, a Channel), as it would a fetch body.
      if (live && !this.calls.has(id) && !call.open) this.outbox.push({ t: 'cancel', id })
      call.abort(new AbortError(`sluice: api.${method}() was aborted`, signal?.reason), true)
    }
    if (this.closedWith !== undefined) {
      call.disconnect(this.closedWith)
      return call
    }
    let encoded
    try {
      encoded = encode(args, (kind: RefKind, value: unknown) => {
        if (kind !== 'signal') return this.refs.export(kind, value)
        signal = value as AbortSignal
        return 0
      })
    } catch (e) {
      call.disconnect(e instanceof Error ? new TypeError(`sluice: api.${method}(): ${e.message}`) : new TypeError(String(e)))
      return call
    }
    if (signal?.aborted) {
      call.disconnect(new AbortError(`sluice: api.${method}() was aborted before it started`, signal.reason))
      return call
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    if (signal !== undefined) this.liveMarkers.set(id, () => (live = true))
    this.calls.set(id, call)
    // The window a stream call starts with is the client's to choose; the protocol default needs no field.
    const w = this.flow.initialWindow
    this.outbox.push(w === DEFAULT_FLOW.initialWindow ? { t: 'call', id, path, args: encoded } : { t: 'call', id, path, args: encoded, w })
    return call
  }

  private receive(data: unknown): void {
    if (!Array.isArray(data)) return
    for (const frame of data as HostToClientFrame[]) {
      try {
        this.frame(frame)
      } catch (e) {
        this.reportProtocolError(`bad frame from the host: ${(e as Error).message}`)
      }
    }
  }

  private frame(f: HostToClientFrame): void {
    switch (f.t) {
      case 'result': {
        // { t: 'result', id, value }
        const ref = streamOf(f.value)
        if (ref !== undefined) return this.stream(f.id, ref)
        const call = this.settle(f.id, f.value)
        if (call === undefined) return this.drop(f.value)
        const before = blobImports()
        const value = this.decode(f.value)
        return this.inOrder(f.id, call, before, value, (v) => call.onResult(v))
      }
      case 'error': {
        // { t: 'error', id, error }
        const call = this.settle(f.id)
        if (call !== undefined) this.inOrder(f.id, call, blobImports(), undefined, () => call.onError(deserializeError(f.error)))
        return
      }
      case 'protocol-error': // { t: 'protocol-error', message, frame? }
        return this.reportProtocolError(f.message)
      case 'event': {
        // { t: 'event', name, payload }
        const set = this.listeners.get(f.name)
        if (set === undefined || set.size === 0) return
        const payload = this.decode(f.payload)
        for (const fn of [...set]) fn(payload)
        return
      }
      default:
        return this.refs.receive(f)
    }
  }

  private readonly readRef = (kind: RefKind, id: number, at?: unknown): unknown => this.refs.import(kind, id, at)

  /**
   * Call `id` answered with its stream, ref `ref`: the call reads it itself. Its yields and its end arrive as
   * that ref's `ref-push` and `ref-end` frames; the `w` items of its first window are already granted.
   */
  private stream(id: number, ref: number): void {
    const after = this.liveMarkers.get(id)
    const call = this.settle(id)
    // Cancelled here before the answer came: the host was told, and ends the stream itself.
    if (call === undefined) return
    this.refs.importWith(
      ref,
      call.onStream({
        granted: this.flow.initialWindow,
        pull: (n) => {
          // Grants leave at once, not with the batch: the host can refill while this side is still reading the
          // rest of its window, so producing and consuming overlap instead of taking turns.
          this.outbox.push({ t: 'ref-pull', ref, n })
          this.outbox.flush()
        },
        forget: () => this.refs.forget(ref),
        discard: () => this.refs.discardItems(ref),
        returned: (value) => {
          if (typeof value === 'object' || typeof value === 'function') if (value !== null) after?.()
        },
      }),
    )
  }

  /**
   * Delivers a call's value in frame order. A Blob or File from the host arrives as a real Blob here: a value
   * that brought one in (`blobImports()` grew while decoding it) is delivered once its bytes are all read, and
   * every later frame of that call waits its turn behind it (refs/arrivals.ts, as for values inside refs).
   */
  private inOrder<T>(id: number, call: RemoteCall, before: number, value: T, deliver: (value: T) => void): void {
    const blobs = blobImports() !== before
    if (!this.arrivals.busy(id) && !blobs) return deliver(value)
    const fail = (e: unknown): void => call.onError(e)
    const outcome = { value: value as unknown }
    this.arrivals.add(id, blobs ? [outcome] : undefined, () => deliver(outcome.value as T), fail)
  }

  /** A value for a call that already ended here (cancelled): if it carries refs, import them only to end them. */
  private drop(value: Parameters<typeof decode>[0]): void {
    if ((value as { r?: unknown } | null)?.r === undefined) return
    try {
      dispose(this.decode(value))
    } catch {
      // A malformed late value: nothing of ours is waiting for it.
    }
  }

  private decode(value: Parameters<typeof decode>[0]): unknown {
    return decode(value, this.readRef)
  }

  private settle(id: number, value?: Parameters<typeof decode>[0]): RemoteCall | undefined {
    const call = this.calls.get(id)
    this.calls.delete(id)
    const mark = this.liveMarkers.get(id)
    if (mark !== undefined) {
      this.liveMarkers.delete(id)
      const refs = (value as { r?: unknown[] } | undefined)?.r
      if (Array.isArray(refs) && refs.length > 0) mark()
    }
    return call
  }

  private reportProtocolError(message: string): void {
    if (this.options.onProtocolError) this.options.onProtocolError(message)
    else console.warn(message)
  }

  on(name: string, fn: EventListener): () => void {
    let set = this.listeners.get(name)
    if (set === undefined) this.listeners.set(name, (set = new Set()))
    set.add(fn)
    return () => void set.delete(fn)
  }

  onClose(fn: (error: Error) => void): () => void {
    if (this.closedWith !== undefined) {
      fn(this.closedWith)
      return () => {}
    }
    this.closers.add(fn)
    return () => void this.closers.delete(fn)
  }

  /** Fails every open call with `error`, releases every ref, and closes the port. Idempotent. */
  close(error: Error = new DisconnectedError('sluice: the client was closed')): void {
    if (this.closedWith !== undefined) return
    this.closedWith = error
    this.outbox.flush()
    this.outbox.close()
    for (const call of this.calls.values()) call.disconnect(error)
    this.calls.clear()
    this.liveMarkers.clear()
    this.arrivals.close(error)
    this.refs.close(error)
    try {
      this.port.close()
    } catch {
      // Already gone.
    }
    for (const fn of this.closers) fn(error)
    this.closers.clear()
  }

  stats(): { calls: number; refs: number; posts: number } {
    return { calls: this.calls.size, refs: this.refs.size(), posts: this.outbox.posts }
  }
}

/** The ref of a stream call's stream, when `value` is one: an `iterable` ref alone at the top level. */
function streamOf(value: Encoded): number | undefined {
  const slots = (value as { r?: unknown } | null)?.r
  if (!Array.isArray(slots) || slots.length !== 1) return undefined
  const slot = slots[0] as unknown[]
  return Array.isArray(slot) && Array.isArray(slot[0]) && slot[0].length === 0 && slot[1] === 'iterable' && typeof slot[2] === 'number' ? slot[2] : undefined
}

/** Runs `fn` at the next animation frame, or after 50 ms if none comes first (a hidden window draws no frames). */
function animationFrame(fn: () => void): void {
  let done = false
  const once = (): void => {
    if (done) return
    done = true
    fn()
  }
  const raf = (globalThis as { requestAnimationFrame?: (cb: () => void) => unknown }).requestAnimationFrame
  if (typeof raf === 'function') raf(once)
  setTimeout(once, 50)
}
