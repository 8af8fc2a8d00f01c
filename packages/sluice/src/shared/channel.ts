/**
 * Channels: a two-way, flow-controlled pipe between the host and one client. This file holds what both ends
 * share; the host's `Channel` class is in main/channel.ts.
 *
 * `new Channel<In, Out>()` lives on the host. Return `channel.client` from a handler, and the client receives
 * a `ChannelEnd<Out, In>`: the host sends `Out` and receives `In`; the client the reverse. Both ends have the
 * same methods: `send()` (resolves with the other end's ack), `sendBinary()`, `listen()`, `listenBinary()`,
 * `onOpen()`, `onClose()`, `close()` and `abort()`.
 *
 * ============================================================================================================
 * Sequence and acks
 * ============================================================================================================
 * Values and byte chunks of one direction share one order: the n-th thing sent is the n-th received, so
 * neither side numbers them on the wire. The receiver acks in that order, after the listener that handled
 * each one settled, batched: one `ref-ack` frame covers every value handled since the last one (it goes out
 * when delivery pauses, and before each grant), and carries only the acks that are not `undefined`.
 * The sender keeps one entry per value sent and not yet acked: never more than it was granted.
 */
import { dispose } from './dispose.js'
import { AbortError } from './errors.js'
import { Credit } from './flow/credit.js'
import { DEFAULT_FLOW, type Flow, Window } from './flow/window.js'

/** Options of one `send()`. */
export interface SendOptions {
  /**
   * `false`: resolve with `undefined` as soon as the value is on its way (the other end had room), without
   * waiting for its listener: a loop that awaits each send then runs at stream speed. Default `true`.
   */
  ack?: boolean
}

/**
 * One end of a channel: what the client receives, and what the host's `Channel` also is.
 * `Send` is what this end sends and `Receive` what it receives; `SendAck` is what the other end's listener
 * returns for a value of ours (what `send()` resolves with), `ReceiveAck` what this end's listener returns.
 */
export interface ChannelEnd<Send, Receive, SendAck = unknown, ReceiveAck = unknown> {
  /**
   * Sends `value`. Resolves with the other end's ack: what its listener returned for this value (awaited, if a
   * promise). Rejects with what the listener threw, or when the channel closes before the value was handled
   * (with the `AbortError` of an `abort()`, a `DisconnectedError`, or a plain "closed" error).
   * Values go out in order, as fast as the other end's window allows; a value sent before the other end
   * listens is held (up to its window) and handled by its first listener.
   * Sends nobody awaits do not cause unhandled rejections.
   */
  send(value: Send, options?: SendOptions): Promise<SendAck>
  /**
   * Sends bytes as they are: no codec pass, counted in bytes against the other end's byte window (its
   * `flow.maxWindowBytes`), in the same order as `send()`'s values. Resolves like `send()`, with what the other
   * end's `listenBinary` listener returned. A chunk larger than the other end's whole byte window rejects with
   * a RangeError. Small chunks are copied at once; a chunk of 16 KiB or more that spans its whole buffer is
   * posted at once, so changing its bytes after the call does not change what was sent.
   */
  sendBinary(bytes: Uint8Array, options?: SendOptions): Promise<SendAck>
  /**
   * Receives every value sent from the other end, in order. What `fn` returns (awaited, if a promise) is the
   * ack that the sender's `send()` resolves with; what it throws rejects that `send()`. If `fn` returns a
   * promise, the next value waits for it, and the sender waits once the window is full: a slow listener slows
   * the sender down. With several listeners, each gets every value; the ack is the first result (in the order
   * the listeners were added) that is not `undefined`, and the first error wins over any result.
   * Values sent before the first listener are held (up to the window) and delivered to it.
   * Returns a function that removes the listener.
   */
  listen(fn: (value: Receive) => ReceiveAck | Promise<ReceiveAck>): () => void
  /**
   * Receives the byte chunks sent with `sendBinary()`, like `listen()` does values (same ack rules). Chunks and
   * values share one order: a chunk waits for a binary listener, and holds the values behind it meanwhile.
   */
  listenBinary(fn: (bytes: Uint8Array) => ReceiveAck | Promise<ReceiveAck>): () => void
  /**
   * Runs `fn` once, when the other end holds the channel and has granted this end room to send: the host's
   * end opens when the client's end arrives, the client's end right after (one round trip). From then on a
   * `send()` goes out at once. Runs at once if already open; never if the channel closes first.
   */
  onOpen(fn: () => void): void
  /**
   * Runs `fn` once when the channel closes: `reason` is undefined for a `close()` from either end, an
   * `AbortError` (with `abortValue`) after an `abort()` from either end, and the error when the connection
   * went away.
   */
  onClose(fn: (reason?: unknown) => void): void
  /**
   * Closes both ends. Idempotent. Sends not yet handled by the other end reject. Called from a listener, it
   * first acks the value being handled (with `undefined`).
   */
  close(): void
  /**
   * Ends the channel with `value`: the other end's `onClose` gets an `AbortError` whose `abortValue` is `value`
   * (sent like any value), and its pending and later `send()`s reject with it; this end's too.
   */
  abort(value?: unknown): void
  readonly closed: boolean
}

/** Acks as they travel: `n` values handled, with the results that are not `undefined` and the errors by index. */
export interface AckBatch {
  n: number
  values?: Record<number, unknown>
  errors?: Record<number, unknown>
}

/** What a bound channel end needs from the connection carrying it. */
export interface ChannelLink {
  push(value: unknown): void
  pushBytes(bytes: Uint8Array): void
  /** Grants `n` more items and `bytes` more bytes. */
  pull(n: number, bytes: number): void
  ack(batch: AckBatch): void
  /** Tells the other end it is over: with `error` for an abort. */
  end(error?: unknown): void
}

/** A byte chunk in the inbox (values are stored as themselves). */
class Bytes {
  constructor(readonly b: Uint8Array) {}
}

interface Outgoing {
  value: unknown
  binary: boolean
  ack: boolean
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
}

type Listener = (value: never) => unknown

const ignore = (): void => {}

/** The shared machinery of a channel end, bound to a connection once its ref travels. */
export class ChannelCore<Send, Receive, SendAck = unknown, ReceiveAck = unknown> implements ChannelEnd<Send, Receive, SendAck, ReceiveAck> {
  private link: ChannelLink | undefined
  /** What this end may send: the other end's grants (flow/credit.ts). */
  private readonly credit = new Credit(0, Infinity)
  /** Bytes this end may send, and the other end's whole byte window (its first byte grant). */
  private bytesAvailable = 0
  private peerByteWindow = 0
  /** What this end grants the other, by the shared window policy (flow/window.ts). */
  private readonly window: Window
  /** This end's byte window: fixed, granted back as chunks are handled. */
  private readonly byteWindow: number
  private inbox: unknown[] = []
  private head = 0
  private readonly listeners = new Set<Listener>()
  private readonly binaryListeners = new Set<Listener>()
  private readonly openers: (() => void)[] = []
  private readonly closers: ((reason?: unknown) => void)[] = []
  private delivering = false
  private granted = false
  private opened = false
  /** Values the other end may still send: what this end granted, less what arrived. */
  private receivable = 0
  private receivableBytes = 0
  /** Bytes handled and not yet granted back. */
  private consumedBytes = 0
  /** Bytes waiting in the inbox (for the memory bound). */
  private queuedBytes = 0
  /** Sends waiting for room, in order. */
  private outq: Outgoing[] = []
  private outHead = 0
  /** Sends on their way, awaiting their ack, in order (null: the sender did not want it). */
  private unacked: (Outgoing | null)[] = []
  private unackedHead = 0
  /** Acks not yet sent. */
  private acks: AckBatch = { n: 0 }
  private flushTimer: ReturnType<typeof setTimeout> | undefined
  /** A listener is handling a value now (a close() from it acks that value). */
  private handling = false
  closed = false
  private reason: unknown

  /** `flow`: the receiving window, as a number (its initial size) or full flow options. */
  constructor(flow: number | Flow, windowBytes?: number) {
    const options = typeof flow === 'number' ? { ...DEFAULT_FLOW, initialWindow: flow, maxWindow: Math.max(flow, DEFAULT_FLOW.maxWindow) } : flow
    this.window = new Window(options, (n) => this.pull(n, 0))
    this.byteWindow = windowBytes ?? options.maxWindowBytes
  }

  bind(link: ChannelLink): void {
    if (this.link !== undefined) throw new Error('sluice: a channel can be sent to one peer only, once')
    this.link = link
  }

  get bound(): boolean {
    return this.link !== undefined
  }

  /** True when a `send()` now would go out at once. */
  hasRoom(): boolean {
    return !this.closed && this.link !== undefined && this.outHead >= this.outq.length && this.credit.available > 0
  }

  /** @internal what waits in this end's inbox, unhandled: values and byte chunks, and their bytes. */
  get queued(): { items: number; bytes: number } {
    return { items: this.inbox.length - this.head, bytes: this.queuedBytes }
  }

  /** Grants the other end its first window to send into. Called by whichever side speaks first. */
  open(): void {
    if (this.granted || this.link === undefined || this.closed) return
    this.granted = true
    this.pull(this.window.size, this.byteWindow)
  }

  send(value: Send, options?: SendOptions): Promise<SendAck> {
    return this.enqueue(value, false, options)
  }

  sendBinary(bytes: Uint8Array, options?: SendOptions): Promise<SendAck> {
    if (!(bytes instanceof Uint8Array)) return handled(Promise.reject(new TypeError('sluice: sendBinary takes a Uint8Array')))
    if (this.peerByteWindow > 0 && bytes.byteLength > this.peerByteWindow) return handled(Promise.reject(this.tooBig(bytes.byteLength)))
    return this.enqueue(bytes, true, options)
  }

  listen(fn: (value: Receive) => ReceiveAck | Promise<ReceiveAck>): () => void {
    return this.addListener(this.listeners, fn)
  }

  listenBinary(fn: (bytes: Uint8Array) => ReceiveAck | Promise<ReceiveAck>): () => void {
    return this.addListener(this.binaryListeners, fn)
  }

  onOpen(fn: () => void): void {
    if (this.opened) fn()
    else if (!this.closed) this.openers.push(fn)
  }

  onClose(fn: (reason?: unknown) => void): void {
    if (this.closed) fn(this.reason)
    else this.closers.push(fn)
  }

  close(): void {
    if (this.closed) return
    this.ackHandling()
    this.link?.end()
    this.finish(undefined)
  }

  abort(value?: unknown): void {
    if (this.closed) return
    const error = new AbortError('sluice: the channel was aborted', value)
    this.ackHandling()
    this.link?.end(error)
    this.finish(error)
  }

  // ---- from the connection --------------------------------------------------------------------------------

  /**
   * The other end granted `n` more sends and `bytes` more bytes. Returns false, and grants nothing, past
   * `maxCredit` items outstanding, counting the values sent and not yet acked: an honest receiver acks what it
   * consumed before granting it back, so a peer that grants without acking cannot make this end keep an
   * unbounded list of unacked sends.
   */
  grant(n: number, maxCredit = Infinity, bytes = 0, maxBytes = Infinity): boolean {
    if (this.closed) return true
    if (this.credit.available + n + (this.unacked.length - this.unackedHead) > maxCredit) return false
    if (bytes > 0) {
      // A peer's byte window is taken up to `maxBytes` (a host's flow.maxWindowBytes): one that grants 2^53
      // bytes and never reads gets one window of binary, not every chunk the app sends. An honest peer with a
      // larger window still gets everything, by granting back what it handled.
      if (this.peerByteWindow === 0) this.peerByteWindow = Math.min(bytes, maxBytes)
      this.bytesAvailable = Math.min(this.bytesAvailable + bytes, maxBytes)
    }
    this.credit.grant(n)
    this.open()
    if (!this.opened && n > 0) {
      this.opened = true
      for (const fn of this.openers.splice(0)) safely(fn)
    }
    this.pump()
    return true
  }

  /** Values from the other end. Returns false, and takes none, when they exceed what this end granted. */
  receive(values: Receive[]): boolean {
    if (this.closed) return true
    if (values.length > this.receivable) return false
    this.receivable -= values.length
    for (const value of values) this.inbox.push(value)
    void this.deliver()
    return true
  }

  /** A byte chunk from the other end. Returns false, taking nothing, past the items or bytes granted. */
  receiveBytes(bytes: Uint8Array): boolean {
    if (this.closed) return true
    if (this.receivable < 1 || bytes.byteLength > this.receivableBytes) return false
    this.receivable--
    this.receivableBytes -= bytes.byteLength
    this.queuedBytes += bytes.byteLength
    this.inbox.push(new Bytes(bytes))
    void this.deliver()
    return true
  }

  /** Acks from the other end. Returns false, settling nothing, when they cover more values than were sent. */
  acked(batch: AckBatch): boolean {
    if (this.closed) {
      disposeAcks(batch)
      return true
    }
    if (batch.n > this.unacked.length - this.unackedHead) {
      // Refused: nobody will receive the live values it carries.
      disposeAcks(batch)
      return false
    }
    for (let i = 0; i < batch.n; i++) {
      const entry = this.unacked[this.unackedHead++]!
      if (entry === null) {
        // Nobody waits for this ack: end whatever live values it carries (a stream, a callback).
        if (batch.values !== undefined && Object.hasOwn(batch.values, i)) dispose(batch.values[i])
        continue
      }
      if (batch.errors !== undefined && Object.hasOwn(batch.errors, i)) {
        entry.reject(batch.errors[i])
        // A value beside the error (a peer's mistake) is never delivered: end what is live in it.
        if (batch.values !== undefined && Object.hasOwn(batch.values, i)) dispose(batch.values[i])
      } else entry.resolve(batch.values !== undefined && Object.hasOwn(batch.values, i) ? batch.values[i] : undefined)
    }
    if (this.unackedHead === this.unacked.length) {
      this.unacked = []
      this.unackedHead = 0
    }
    return true
  }

  /** The other end closed (reason undefined) or aborted (an AbortError), or the connection went away (the error). */
  finish(reason: unknown): void {
    if (this.closed) return
    this.closed = true
    this.reason = reason
    this.openers.length = 0
    const error = this.closedError()
    for (let i = this.outHead; i < this.outq.length; i++) this.outq[i]!.reject(error)
    const lost = reason instanceof Error ? reason : new Error('sluice: the channel closed before the other end handled this value')
    for (let i = this.unackedHead; i < this.unacked.length; i++) this.unacked[i]?.reject(lost)
    this.outq = []
    this.unacked = []
    // An abort ends the channel at once, as Telefunc's does: what arrived and was not yet handled is dropped
    // (its live values ended), where a close() or a disconnect still delivers it.
    if (reason instanceof AbortError) {
      for (let i = this.head; i < this.inbox.length; i++) {
        const item = this.inbox[i]
        if (!(item instanceof Bytes)) dispose(item, reason)
      }
      this.inbox = []
      this.head = 0
      this.queuedBytes = 0
    }
    this.credit.wake()
    for (const fn of this.closers.splice(0)) safely(() => fn(reason))
  }

  // ---- sending --------------------------------------------------------------------------------------------

  private enqueue(value: unknown, binary: boolean, options: SendOptions | undefined): Promise<SendAck> {
    if (this.closed) return handled(Promise.reject(this.closedError()))
    let entry!: Outgoing
    const promise = new Promise<SendAck>((resolve, reject) => {
      entry = { value, binary, ack: options?.ack !== false, resolve: resolve as (v: unknown) => void, reject }
    })
    this.outq.push(entry)
    this.pump()
    return handled(promise)
  }

  /** Sends what waits, in order, while the other end has room. */
  private pump(): void {
    const link = this.link
    if (link === undefined) return
    while (this.outHead < this.outq.length && !this.closed) {
      const entry = this.outq[this.outHead]!
      const size = entry.binary ? (entry.value as Uint8Array).byteLength : 0
      if (entry.binary && this.peerByteWindow > 0 && size > this.peerByteWindow) {
        this.outHead++
        entry.reject(this.tooBig(size))
        continue
      }
      if (this.credit.available <= 0 || (entry.binary && size > this.bytesAvailable)) break
      this.credit.take()
      this.bytesAvailable -= size
      this.outHead++
      try {
        if (entry.binary) link.pushBytes(entry.value as Uint8Array)
        else link.push(entry.value)
      } catch (e) {
        // Nothing went out: the value could not be encoded.
        this.credit.grant(1)
        this.bytesAvailable += size
        entry.reject(e)
        continue
      }
      if (entry.ack) this.unacked.push(entry)
      else {
        this.unacked.push(null)
        entry.resolve(undefined)
      }
    }
    if (this.outHead === this.outq.length) {
      this.outq = []
      this.outHead = 0
    }
  }

  private tooBig(size: number): RangeError {
    return new RangeError(`sluice: a ${size}-byte chunk is larger than the other end's byte window (${this.peerByteWindow} bytes); send it in smaller chunks`)
  }

  // ---- receiving ------------------------------------------------------------------------------------------

  private addListener(set: Set<Listener>, fn: Listener): () => void {
    set.add(fn)
    // In a microtask: listeners added in the same tick all receive the values held for the first one.
    queueMicrotask(() => void this.deliver())
    return () => void set.delete(fn)
  }

  private pull(n: number, bytes: number): void {
    if (this.closed || this.link === undefined) return
    this.flushAcks()
    this.receivable += n
    this.receivableBytes += bytes
    this.link.pull(n, bytes)
  }

  /** A close() or abort() from inside a listener acks the value it handles (with undefined), then sends the rest. */
  private ackHandling(): void {
    if (this.handling) {
      this.handling = false
      this.acks.n++
    }
    this.flushAcks()
  }

  /**
   * A listener returned a promise: the acks gathered so far go out after this task, not at once, so listeners
   * whose promises settle within microtasks still share one `ref-ack`.
   */
  private flushSoon(): void {
    if (this.flushTimer !== undefined || this.acks.n === 0) return
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined
      this.flushAcks()
    }, 0)
  }

  private flushAcks(): void {
    if (this.acks.n === 0 || this.link === undefined || this.closed) return
    const batch = this.acks
    this.acks = { n: 0 }
    this.link.ack(batch)
  }

  private closedError(): Error {
    return this.reason instanceof Error ? this.reason : new Error('sluice: the channel is closed')
  }

  private async deliver(): Promise<void> {
    if (this.delivering) return
    this.delivering = true
    try {
      // Values that arrived before a close are still delivered (their acks no longer travel).
      while (this.head < this.inbox.length) {
        const item = this.inbox[this.head]
        const binary = item instanceof Bytes
        const set = binary ? this.binaryListeners : this.listeners
        if (set.size === 0) break
        this.head++
        const value = binary ? item.b : item
        let ok = true
        let result: unknown
        this.handling = true
        for (const fn of set.size === 1 ? set : [...set]) {
          let r: unknown
          try {
            r = (fn as (v: unknown) => unknown)(value)
            if (typeof (r as Promise<unknown>)?.then === 'function') {
              this.flushSoon()
              r = await r
            }
          } catch (e) {
            if (ok) {
              ok = false
              result = e
            }
            continue
          }
          if (ok && result === undefined) result = r
        }
        if (this.handling) {
          this.handling = false
          const n = this.acks.n++
          if (!ok) (this.acks.errors ??= {})[n] = result
          else if (result !== undefined) (this.acks.values ??= {})[n] = result
        }
        if (this.head === this.inbox.length) {
          this.inbox = []
          this.head = 0
        }
        if (binary) {
          this.queuedBytes -= item.b.byteLength
          this.consumedBytes += item.b.byteLength
          if (this.consumedBytes * 2 >= this.byteWindow) this.grantBytes()
        }
        this.window.consume(binary ? 0 : value, this.inbox.length - this.head)
      }
      // Everything that arrived is delivered: hand back the rest of what was consumed (the starvation rule).
      if (this.head >= this.inbox.length) {
        this.window.starved()
        if (this.consumedBytes > 0) this.grantBytes()
      }
      this.flushAcks()
    } finally {
      this.delivering = false
    }
  }

  private grantBytes(): void {
    const bytes = this.consumedBytes
    this.consumedBytes = 0
    this.pull(0, bytes)
  }
}

function disposeAcks(batch: AckBatch): void {
  if (batch.values !== undefined) for (const key in batch.values) dispose(batch.values[key])
}

function safely(fn: () => void): void {
  try {
    fn()
  } catch {
    // One failing hook must not stop the others.
  }
}

/** A send's promise is handled from birth: a send nobody awaits must not kill the process when it rejects. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(ignore)
  return promise
}

/** @internal the host-side core behind a `channel.client` token. */
export function coreOfToken(token: object): ChannelCore<unknown, unknown> | undefined {
  const core = (token as { core?: unknown }).core
  return core instanceof ChannelCore ? core : undefined
}
