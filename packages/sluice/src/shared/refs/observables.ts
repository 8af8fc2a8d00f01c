/**
 * Observables by reference, both ways (RxJS, zen-observable, xstream: anything with the interop method).
 *
 * An Observable travels like a function: one `observable` ref, kept by its exporter until the importer releases
 * it (garbage collection, or `release(x)`). Each `subscribe` on the importer's side is a `ref-call` on that ref
 * with no arguments; the exporter subscribes its source then and answers with a fresh `iterable` ref, the one
 * stream machinery (flow/pump.ts, flow/queue.ts) carries the items, `ref-end` carries `complete`, `error` and
 * unsubscribe. So Observables are cold, one source subscription per remote subscriber, as in RxJS.
 *
 * Which values are Observables (the structural rule) is in ../observable-like.ts, which codec.ts asks too.
 *
 * ============================================================================================================
 * Flow: an Observable pushes and cannot be paused
 * ============================================================================================================
 * The exporter's subscription buffers what the source emits until the stream's credit lets it out. When a
 * stalled reader lets that buffer pass one full window of the sending side's flow options (`flow.maxWindow`
 * items or `flow.maxWindowBytes` bytes), the subscription fails with an `ObservableOverflowError`: the source is
 * unsubscribed, the buffer dropped, and the reader gets the error after the items it already received.
 */
import { dispose, RELEASE } from '../dispose.js'
import { ObservableOverflowError } from '../errors.js'
import { estimateBytes, type Flow } from '../flow/window.js'
import { INTEROP, interopSymbol } from '../observable-like.js'
import type { Encoded } from '../protocol.js'
import type { LiveRef, RefContext } from './live.js'

interface Subscription {
  unsubscribe(): void
}
interface Subscribable {
  subscribe(observer: { next(v: unknown): void; error(e: unknown): void; complete(): void }): Subscription | (() => void) | undefined
}

/** The source's own Observable, through its interop method (which may return another object). */
function interop(v: object): Subscribable {
  const sym = interopSymbol()
  const method = (sym !== undefined ? (v as Record<symbol, unknown>)[sym] : undefined) ?? (v as Record<string, unknown>)[INTEROP]
  const target = (method as () => unknown).call(v) as Subscribable | null
  if (typeof target?.subscribe !== 'function') throw new TypeError("sluice: an Observable's interop method returned something without subscribe()")
  return target
}


// ===============================================================================================================
// Exporter: one subscription of our source, read by the peer as an iterable ref
// ===============================================================================================================

/**
 * One subscription of a source Observable, as an async iterator the stream pump reads only while it holds the
 * peer's credit. What the source emits meanwhile waits here, up to the bound (the file comment). The source's
 * teardown runs at most once: we unsubscribe only a source that has not completed or failed by itself.
 */
class BufferedSubscription implements AsyncIterableIterator<unknown> {
  /** Items waiting for credit, with their estimated sizes. */
  private queue: [value: unknown, bytes: number][] = []
  private bytes = 0
  private waiter: { resolve: (r: IteratorResult<unknown>) => void; reject: (e: unknown) => void } | undefined
  /** The source completed (`done`) or failed (`error`); `closed` once we stopped it or delivered its end. */
  private state: 'open' | 'done' | 'error' | 'closed' = 'open'
  private error: unknown
  /** The source's subscription; `null` until subscribe() returns, `undefined` once there is nothing to end. */
  private subscription: Subscription | null | undefined = null
  /** Why it overflowed, if it did. */
  failure: ObservableOverflowError | undefined
  /** Ends the stream ref now (set once its id is known). */
  onOverflow: ((e: Error) => void) | undefined
  /** Called once, when the subscription is over for whatever reason. */
  onEnd: (() => void) | undefined

  constructor(
    source: object,
    private readonly flow: Flow,
  ) {
    const result = interop(source).subscribe({
      next: (value) => {
        if (this.state !== 'open') return dispose(value)
        const waiter = this.waiter
        this.waiter = undefined
        if (waiter !== undefined) return waiter.resolve({ value, done: false })
        const size = estimateBytes(value)
        this.bytes += size
        if (this.queue.push([value, size]) > flow.maxWindow || this.bytes > flow.maxWindowBytes) this.overflow()
      },
      error: (e) => this.terminated('error', e),
      complete: () => this.terminated('done', undefined),
    })
    const subscription = typeof result === 'function' ? { unsubscribe: result } : result
    // Stopped (or ended by itself) inside subscribe(): unsubscribe now, or never.
    const due = this.subscription === undefined && this.state === 'closed'
    this.subscription = typeof subscription?.unsubscribe === 'function' && this.state === 'open' ? subscription : undefined
    if (due) unsubscribe(subscription)
  }

  private overflow(): void {
    const { flow, queue, bytes } = this
    this.failure = new ObservableOverflowError(
      `sluice: an Observable's reader fell behind: ${queue.length} items (~${Math.round(bytes)} B) waited for credit, past flow.maxWindow (${flow.maxWindow}) or flow.maxWindowBytes (${flow.maxWindowBytes}) of the sending side; the source was unsubscribed`,
    )
    this.stop(this.failure)
    this.onOverflow?.(this.failure)
  }

  private terminated(state: 'done' | 'error', error: unknown): void {
    if (this.state !== 'open') return
    this.state = state
    this.error = error
    // The source ended by itself: its teardown has run (or is its own business), never call unsubscribe now.
    this.subscription = undefined
    const waiter = this.waiter
    this.waiter = undefined
    if (waiter !== undefined) this.settle(waiter)
  }

  /** Delivers the source's end to a reader that found the queue empty. */
  private settle(waiter: NonNullable<BufferedSubscription['waiter']>): void {
    const failed = this.state === 'error'
    this.state = 'closed'
    this.onEnd?.()
    if (failed) waiter.reject(this.error)
    else waiter.resolve({ value: undefined, done: true })
  }

  next(): Promise<IteratorResult<unknown>> {
    const item = this.queue.shift()
    if (item !== undefined) {
      this.bytes -= item[1]
      return Promise.resolve({ value: item[0], done: false })
    }
    if (this.state === 'closed') return Promise.resolve({ value: undefined, done: true })
    return new Promise((resolve, reject) => {
      if (this.state === 'open') this.waiter = { resolve, reject }
      else this.settle({ resolve, reject })
    })
  }

  /** The reader cancelled, or the connection closed: unsubscribe the source (once) and drop the buffer. */
  return(): Promise<IteratorResult<unknown>> {
    this.stop(undefined)
    return Promise.resolve({ value: undefined, done: true })
  }

  private stop(reason: unknown): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    for (const [item] of this.queue.splice(0)) dispose(item, reason)
    this.bytes = 0
    // null: subscribe() has not returned yet; the constructor unsubscribes when it does.
    if (this.subscription !== null) unsubscribe(this.subscription)
    this.subscription = undefined
    this.waiter?.resolve({ value: undefined, done: true })
    this.waiter = undefined
    this.onEnd?.()
  }

  [Symbol.asyncIterator](): this {
    return this
  }
}

function unsubscribe(subscription: Subscription | undefined): void {
  try {
    subscription?.unsubscribe()
  } catch {
    // A teardown that throws is still torn down as far as we are concerned.
  }
}

/** An Observable of ours that the peer holds. Each `ref-call` on it is one subscription. */
export class ExportedObservable implements LiveRef {
  readonly kind = 'observable'
  /** The stream refs of its live subscriptions, to end them with it (the call that returned it was cancelled). */
  private readonly subscriptions = new Set<number>()

  constructor(
    private readonly ctx: RefContext,
    private readonly id: number,
    private readonly source: object,
    /** Ends one of our stream refs now, telling the peer (RefTable.end). */
    private readonly endRef: (id: number, reason: unknown) => void,
  ) {}

  /** `ref-call`: the peer subscribes. The answer is a `ref-result` holding the subscription's iterable ref. */
  call(call: number, argsEncoded: Encoded): void {
    const { ctx } = this
    let subscription: BufferedSubscription
    try {
      const args = ctx.decode(argsEncoded)
      if (!Array.isArray(args) || args.length > 0) {
        dispose(args)
        throw new TypeError('sluice: subscribing to an Observable ref takes no arguments')
      }
      subscription = new BufferedSubscription(this.source, ctx.flow)
    } catch (e) {
      ctx.outbox.push({ t: 'ref-result', call, error: ctx.wireError(e) })
      return
    }
    const held: number[] = []
    let value: Encoded
    try {
      // Throws past limits.maxRefStreams; the table then disposes the subscription (it unsubscribes).
      value = ctx.encode(subscription, held)
    } catch (e) {
      ctx.outbox.push({ t: 'ref-result', call, error: ctx.wireError(e) })
      return
    }
    const sid = held[0]!
    this.subscriptions.add(sid)
    subscription.onEnd = () => this.subscriptions.delete(sid)
    subscription.onOverflow = (e) => this.endRef(sid, e)
    ctx.outbox.push({ t: 'ref-result', call, value })
    // It overflowed inside subscribe() (a source that emits synchronously): the peer learns of it at once.
    if (subscription.failure !== undefined) this.endRef(sid, subscription.failure)
  }

  /** `ref-release`: the peer let go of it. Its live subscriptions go on: they are refs of their own. */
  release(): void {
    this.ctx.forget(this.id)
  }

  ended(): void {}

  /** The call that returned it was cancelled: forget it, and end its live subscriptions with `reason`. */
  end(reason: unknown): void {
    this.ctx.forget(this.id)
    for (const sid of [...this.subscriptions]) this.endRef(sid, reason)
  }

  revoke(): void {
    this.ctx.forget(this.id)
  }

  close(): void {}
}

// ===============================================================================================================
// Importer: what the peer's Observable is here
// ===============================================================================================================

/** An Observer as `subscribe` takes it: every callback optional. */
interface PartialObserver {
  next?: (value: unknown) => void
  error?: (error: unknown) => void
  complete?: () => void
}

/** One subscription to the peer's Observable: reads its stream ref, in order, into the observer. */
function remoteSubscription(opened: Promise<unknown>, observer: PartialObserver): { unsubscribe(): void; readonly closed: boolean } {
  let closed = false
  let iterator: AsyncIterator<unknown> | undefined
  const fail = (e: unknown) => {
    if (closed) return
    closed = true
    call(() => observer.error?.(e))
  }
  const subscription = {
    unsubscribe() {
      if (closed) return
      closed = true
      void iterator?.return?.()?.catch(() => {})
    },
    get closed() {
      return closed
    },
  }
  void opened.then(async (stream) => {
    iterator = asStream(stream)
    if (closed) return void iterator.return?.()
    for (;;) {
      const step = await iterator.next()
      if (closed) return
      if (step.done === true) {
        closed = true
        return call(() => observer.complete?.())
      }
      try {
        observer.next?.(step.value)
      } catch (e) {
        // An observer that throws ends its subscription (the source is torn down); its error callback hears why.
        subscription.unsubscribe()
        return call(() => observer.error?.(e))
      }
    }
  }).catch(fail)
  return subscription
}

/** The answer to a subscribe must be the stream ref the exporter made; anything else (a hostile peer) is refused. */
function asStream(value: unknown): AsyncIterator<unknown> {
  if (typeof (value as AsyncIterator<unknown> | null)?.next === 'function') return value as AsyncIterator<unknown>
  dispose(value)
  throw new TypeError('sluice: the peer answered a subscribe with something that is not a stream')
}

/** Runs an observer callback: what it throws has nowhere to go (the subscription is over). */
function call(fn: () => void): void {
  try {
    fn()
  } catch {
    // Swallowed rather than thrown into the connection's task, which would take a Node host down.
  }
}

/**
 * The peer's Observable, here: `subscribe` (each subscription subscribes the source over there), the interop
 * method (so `rxjs.from(x)` takes it), and `for await` (flow-controlled: the source's items wait over there).
 */
class ImportedObservable {
  constructor(private readonly open: () => Promise<unknown>) {
    const sym = interopSymbol()
    if (sym !== undefined) Object.defineProperty(this, sym, { value: () => this })
  }

  subscribe(observerOrNext?: PartialObserver | ((value: unknown) => void) | null, error?: (e: unknown) => void, complete?: () => void): { unsubscribe(): void; readonly closed: boolean } {
    const observer: PartialObserver = typeof observerOrNext === 'function' || observerOrNext == null ? { next: observerOrNext ?? undefined, error, complete } : observerOrNext
    return remoteSubscription(this.open(), observer)
  }

  [INTEROP](): this {
    return this
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    let stream: Promise<AsyncIterator<unknown>> | undefined
    let done = false
    const opened = () => (stream ??= this.open().then(asStream))
    const iterator: AsyncIterableIterator<unknown> = {
      next: async () => (done ? { value: undefined, done: true } : (await opened()).next()),
      return: async (value?: unknown) => {
        done = true
        if (stream !== undefined) await (await stream.catch(() => undefined))?.return?.()
        return { value, done: true }
      },
      [Symbol.asyncIterator]: () => iterator,
    }
    return iterator
  }
}

/** The importer's Observable for the peer's observable ref, given the proxy that subscribes (a `ref-call`). */
export function importedObservable(subscribe: Function): object {
  const observable = new ImportedObservable(() => subscribe() as Promise<unknown>)
  Object.defineProperty(observable, RELEASE, { value: () => (subscribe as { [RELEASE]?: () => void })[RELEASE]?.() })
  return observable
}
