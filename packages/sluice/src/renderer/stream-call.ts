/**
 * One remote call, seen from the client: at once a promise (of the handler's result, or the generator's return
 * value) and an async iterable (of the generator's yields).
 *
 * A stream call answers with its stream as a ref (an `iterable` at the top level of its `result`). The call
 * reads it through the same consumer queue as every other stream (shared/flow/queue.ts, an `Inbound`), whose
 * first window the client already granted in its `call` frame (`w`). Its `ref-end` carries the return value.
 *
 * ============================================================================================================
 * Modes
 * ============================================================================================================
 * - iterate: `for await` (or `[Symbol.asyncIterator]()`) was used first. Yields are queued for the iterator;
 *   `await` still gives the return value once the stream ends.
 * - await: `then` was used first. Nobody will read the yields, so they are dropped and granted back as they
 *   arrive, letting the generator run to its `return`.
 * - idle: neither yet. Yields queue up to the first window, then the generator waits.
 */
import { dispose } from '../shared/dispose.js'
import { AbortError } from '../shared/errors.js'
import type { Flow } from '../shared/flow/window.js'
import { Inbound } from '../shared/flow/queue.js'
import type { LiveRef } from '../shared/refs/live.js'
import type { StreamCall } from '../shared/types.js'

export interface CallLink {
  readonly method: string
  readonly flow: Flow
  /** Tells the host the call is cancelled (a `cancel` frame); called at most once, while the call is open. */
  cancel(): void
  /** Called once when the call stops being open, however that happened. */
  closed(): void
}

/** What the call's stream needs of its connection once the host sent it (client.ts makes one per stream call). */
export interface StreamLink {
  /** The credit the `call` frame granted already (its `w`). */
  readonly granted: number
  /** Grants the host `n` more items (a `ref-pull`). */
  pull(n: number): void
  /** The reader gave up: forget the ref here (the call's `cancel` frame tells the host). */
  forget(): void
  /** Nobody will read the items (the call is awaited): those still waiting for their Blobs go on unread. */
  discard(): void
  /** The stream returned `value`: it may hold live values, which an abort of the call's signal still ends. */
  returned(value: unknown): void
}

interface Observer {
  next?(value: unknown): void
  error?(error: unknown): void
  complete?(): void
}

/** `Symbol.observable` where a polyfill defined it, otherwise the '@@observable' string RxJS falls back to. */
const OBSERVABLE: '@@observable' = ((typeof Symbol === 'function' && (Symbol as { observable?: symbol }).observable) || '@@observable') as '@@observable'

type Waiter = { resolve: (r: IteratorResult<unknown>) => void; reject: (e: unknown) => void }

const noop = () => {}

export class RemoteCall implements StreamCall<unknown, unknown> {
  /** The call's stream, once the host answered with one. */
  private stream: Inbound<unknown> | undefined
  private streamLink: StreamLink | undefined
  /** A `next()` made before the host answered. */
  private waiter: Waiter | undefined
  private mode: 'idle' | 'iterate' | 'await' = 'idle'
  private state: 'open' | 'returned' | 'failed' | 'cancelled' = 'open'
  /** The call answered with a plain value, so it is not a stream. */
  private plain = false
  private error: unknown
  /**
   * The awaited result, made at the first `then`: a call that is only iterated never makes one (nor can it raise
   * an unhandled rejection for a promise nobody asked for), and a plain call saves the allocations of a second.
   */
  private result: Promise<unknown> | undefined
  private settleResolve: ((v: unknown) => void) | undefined
  private settleReject: ((e: unknown) => void) | undefined
  /** `then` was called: from then on the value is the awaited result, and a cancel can no longer replace it. */
  private observed = false
  /** A return value that arrived before anyone awaited it: a `cancel()` before the `await` still wins. */
  private held: { value: unknown } | undefined
  /** Why the result failed, when it failed before anyone awaited it. */
  private failure: { error: unknown } | undefined

  constructor(private readonly link: CallLink) {}

  /** Settles the awaited result now if someone awaits it, or holds the value until someone does. */
  private resolveResult(value: unknown): void {
    if (this.observed) this.settleResolve!(value)
    else this.held = { value }
  }

  /** Fails the awaited result now if someone awaits it, or keeps the error for the first `then`. */
  private rejectResult(error: unknown): void {
    if (this.settleReject !== undefined) this.settleReject(error)
    else this.failure ??= { error }
  }

  get open(): boolean {
    return this.state === 'open'
  }

  // -------------------------------------------------------------------------------------------------------------
  // From the host
  // -------------------------------------------------------------------------------------------------------------

  onResult(value: unknown): void {
    if (this.state !== 'open') return
    this.leave('returned')
    this.plain = true
    this.resolveResult(value)
    this.wakeWaiter()
  }

  /**
   * The host answered with a stream: returns the ref that reads it, for the connection's ref table. Its frames
   * (`ref-push`, `ref-end`) reach this call through it.
   */
  onStream(link: StreamLink): LiveRef {
    const stream = new Inbound<unknown>(
      {
        pull: (n) => link.pull(n),
        cancel: () => link.forget(),
      },
      this.link.flow,
      link.granted,
    )
    this.stream = stream
    this.streamLink = link
    if (this.mode === 'await') stream.discard()
    const waiter = this.waiter
    this.waiter = undefined
    if (waiter !== undefined) stream.next().then(waiter.resolve, waiter.reject)
    return {
      kind: 'iterable',
      uncounted: true,
      get discards() {
        return stream.discarding
      },
      push: (items) => stream.push(items),
      ended: (error, hasError, value) => {
        stream.end(hasError, error, value)
        if (hasError) return this.onError(error)
        if (this.state !== 'open') return dispose(value)
        link.returned(value)
        this.leave('returned')
        this.resolveResult(value)
      },
      end: noop,
      revoke: noop,
      close: (error) => this.disconnect(error),
    }
  }

  onError(error: unknown): void {
    if (this.state !== 'open') return
    this.leave('failed')
    this.error = error
    this.stream?.end(true, error)
    this.rejectResult(error)
    this.wakeWaiter()
  }

  // -------------------------------------------------------------------------------------------------------------
  // The public surface
  // -------------------------------------------------------------------------------------------------------------

  then<A = unknown, B = never>(onfulfilled?: ((value: unknown) => A | PromiseLike<A>) | null, onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    this.observed = true
    if (this.result === undefined) {
      this.result = new Promise((resolve, reject) => {
        this.settleResolve = resolve
        this.settleReject = reject
      })
      if (this.failure !== undefined) this.settleReject!(this.failure.error)
      this.failure = undefined
    }
    if (this.held !== undefined) {
      this.settleResolve!(this.held.value)
      this.held = undefined
    }
    if (this.mode === 'idle') {
      this.mode = 'await'
      this.stream?.discard()
      // Items that arrived while idle and wait for their Blobs' bytes: not read now, only dropped.
      this.streamLink?.discard()
    }
    return this.result.then(onfulfilled, onrejected)
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<unknown> {
    return this.then(undefined, onrejected)
  }

  finally(onfinally?: (() => void) | null): Promise<unknown> {
    return this.then().finally(onfinally)
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown, undefined> {
    if (this.mode === 'await') {
      throw new TypeError(`sluice: api.${this.link.method}() is already being awaited, so its yields were dropped. Iterate it before awaiting it.`)
    }
    if (this.mode === 'iterate') throw new TypeError(`sluice: api.${this.link.method}() can be iterated only once`)
    this.mode = 'iterate'
    return {
      next: () => this.next(),
      return: async () => {
        await this.cancel()
        return { value: undefined, done: true }
      },
    }
  }

  /**
   * A plain async iterator over the yields: not thenable, so it survives `await` and `Promise.resolve()`.
   * Libraries that await what you give them before iterating it (TanStack Query's `streamedQuery`) need this:
   * awaiting a thenable adopts it, which would turn the stream into its return value.
   */
  values(): AsyncIterableIterator<unknown> {
    const iterator = this[Symbol.asyncIterator]()
    return {
      next: () => iterator.next(),
      return: () => iterator.return!(),
      [Symbol.asyncIterator]() {
        return this
      },
    } as AsyncIterableIterator<unknown>
  }

  /**
   * Observable interop (RxJS `from()`, and anything else that reads `Symbol.observable`): each yield is a
   * `next`, the end is `complete`, a failure is `error`, and unsubscribing cancels the stream on the host.
   * RxJS checks for this before it checks for a promise, so `from(call)` streams the yields.
   */
  [OBSERVABLE](): { subscribe(observer: Observer): { unsubscribe(): void } } {
    return {
      subscribe: (observer: Observer) => {
        const iterator = this[Symbol.asyncIterator]()
        let stopped = false
        void (async () => {
          try {
            for (;;) {
              const step = await iterator.next()
              if (stopped) return
              if (step.done) return observer.complete?.()
              observer.next?.(step.value)
            }
          } catch (e) {
            if (!stopped) observer.error?.(e)
          }
        })()
        return {
          unsubscribe: () => {
            stopped = true
            void iterator.return!()
          },
        }
      },
      [OBSERVABLE]() {
        return this
      },
    } as { subscribe(observer: Observer): { unsubscribe(): void } }
  }

  cancel(): Promise<void> {
    this.abort(new AbortError(`sluice: api.${this.link.method}() was cancelled`), false)
    return Promise.resolve()
  }

  /**
   * Ends the call here at once (the client never waits for the host) and tells the host. The awaited result
   * rejects with `error`; the iterator ends quietly after `cancel()` or `break`, and rejects with `error` when
   * an AbortSignal did it (as a fetch body does). Whatever is already queued is dropped: iteration ends now.
   */
  abort(error: Error, iteratorThrows: boolean): void {
    const rejectWith = iteratorThrows ? { error } : undefined
    if (this.state !== 'open') {
      // The host already finished, but the reader gave up first: iteration ends now, whatever is still queued
      // (and what is live inside it is ended; the host holds those refs for us until we do), and a return value
      // nobody has awaited yet gives way to the cancel, so the outcome never depends on timing.
      this.stream?.cancel(error, rejectWith)
      if (this.held !== undefined) {
        dispose(this.held.value, error)
        this.held = undefined
        this.state = iteratorThrows ? 'failed' : 'cancelled'
        this.error = error
        this.rejectResult(error)
      }
      return
    }
    this.link.cancel()
    this.leave(iteratorThrows ? 'failed' : 'cancelled')
    this.error = error
    this.stream?.cancel(error, rejectWith)
    this.rejectResult(error)
    this.wakeWaiter()
  }

  /** The connection is gone: fail like a host error would. */
  disconnect(error: Error): void {
    if (this.state !== 'open') return
    this.onError(error)
  }

  // -------------------------------------------------------------------------------------------------------------
  // Iteration
  // -------------------------------------------------------------------------------------------------------------

  private next(): Promise<IteratorResult<unknown, undefined>> {
    if (this.stream !== undefined) return this.stream.next()
    // Before the host answered: wait for its answer.
    if (this.state === 'open') return new Promise((resolve, reject) => (this.waiter = { resolve, reject }))
    return this.ending()
  }

  /** How iteration ends for a call that has no stream: it failed, was cancelled, or answered a plain value. */
  private ending(): Promise<IteratorResult<unknown, undefined>> {
    if (this.state === 'failed') return Promise.reject(this.error)
    if (this.plain) {
      return Promise.reject(new TypeError(`sluice: api.${this.link.method}() returned a value, not a stream: await it instead of iterating it`))
    }
    return Promise.resolve({ value: undefined, done: true })
  }

  private leave(state: 'returned' | 'failed' | 'cancelled'): void {
    this.state = state
    this.link.closed()
  }

  private wakeWaiter(): void {
    const waiter = this.waiter
    if (waiter === undefined) return
    this.waiter = undefined
    this.ending().then(waiter.resolve, waiter.reject)
  }
}

/**
 * The link of a call made before the page knew which connection serves it (a namespace routed to another
 * process, see routes.ts): the RemoteCall exists at once, and `bind()` plugs in the real link when the call is
 * sent. A cancel before then means it is never sent.
 */
export class DeferredLink implements CallLink {
  private target: CallLink | undefined
  /** Cancelled (or aborted) before it was sent: do not send it. */
  cancelled = false
  readonly call: RemoteCall

  constructor(
    readonly method: string,
    readonly flow: Flow,
  ) {
    this.call = new RemoteCall(this)
  }

  bind(target: CallLink): RemoteCall {
    this.target = target
    return this.call
  }

  cancel(): void {
    if (this.target !== undefined) this.target.cancel()
    else this.cancelled = true
  }

  closed(): void {
    this.target?.closed()
  }
}
