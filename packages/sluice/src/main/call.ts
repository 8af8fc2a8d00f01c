/**
 * One call's lifecycle: its abort controller, its `onClose` hooks, and the live values it returned (a stream
 * call's stream is one of them: its result is its iterable, sent as a ref). The connection (host.ts) only
 * routes frames to it.
 *
 * ============================================================================================================
 * States
 * ============================================================================================================
 *   running ──handler settles, nothing live in its result──────────────────────────────► closed
 *   running ──handler returns live values (channel, callback, stream, promise), or is a generator──► settling
 *   settling ──every one of them ended (closed, released, ended, settled)──────────────► closed
 *   running | settling ──cancel, abort, disconnect, failure─────────────────────────────► closed
 *
 * Entering `closed` aborts `getContext().signal` (unless the call ended normally) and runs the `onClose` hooks,
 * once, at that moment: a handler still suspended in an `await` hears about a cancel now, not when it returns.
 *
 * Separately, `finished` records that the handler or generator has really stopped (its `finally` has run). A
 * call cancelled while its handler runs is closed at once, but stays in the connection's table (and in its
 * stats) until it has finished; whatever it produces after the cancel is disposed, never sent.
 */
import type { CallContext, Peer } from './context.js'

/**
 * An AbortController made only when someone reads its signal. Node creates an AbortSignal in ~3 µs plus GC,
 * which was the largest single cost of a plain call; most handlers never look at their signal.
 */
export class LazyAbort {
  private ctrl: AbortController | undefined
  private reason: unknown
  aborted = false

  get signal(): AbortSignal {
    if (this.ctrl === undefined) {
      this.ctrl = new AbortController()
      if (this.aborted) this.ctrl.abort(this.reason)
    }
    return this.ctrl.signal
  }

  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.ctrl?.abort(reason)
  }
}

type CallState = 'running' | 'settling' | 'closed'

export class Call implements CallContext {
  state: CallState = 'running'
  /** Nothing more will be sent for this id (answered, failed, or cancelled). */
  done = false
  /** The handler or generator has stopped; for a generator, its `finally` has run. */
  finished = false
  /** Why it was cancelled or failed, if it was. */
  reason: unknown = undefined
  /** Its result is a stream (a generator, an async iterable): it counts under `maxStreams`, not `maxPendingCalls`. */
  isStream = false
  /** A stream call's stream, as an exported ref. */
  streamRef: number | undefined = undefined
  readonly ctrl = new LazyAbort()
  // Both made only when needed: most calls register no hook and return plain data, and a call is made per
  // request at 100k+ calls a second.
  private closers: ((reason?: unknown) => void)[] | undefined
  /** Ref ids of the live values its result holds, while it is settling. */
  private live: Set<number> | undefined

  constructor(
    readonly id: number,
    readonly peer: Peer,
    readonly method: string,
    /** The credit a stream starts with: the window the client asked for in its `call` frame. */
    readonly window: number,
  ) {}

  // ---- CallContext (what getContext() returns) -----------------------------------------------------------------

  get signal(): AbortSignal {
    return this.ctrl.signal
  }

  /** A getter, so that `const { onClose } = getContext()` works: the function is made (bound) only when read. */
  get onClose(): (fn: (reason?: unknown) => void) => void {
    return (fn) => {
      // Registered after the end (a late `await` in the handler): it still runs, once, with the same reason.
      if (this.state === 'closed') runHook(fn, this.reason)
      else (this.closers ??= []).push(fn)
    }
  }

  // ---- transitions ---------------------------------------------------------------------------------------------

  /**
   * The handler answered. `live` lists the refs its result holds: the call settles until each has ended
   * (`released(id)`), or closes now when there are none.
   */
  answered(live: readonly number[]): void {
    this.done = true
    if (this.state !== 'running') return
    if (live.length === 0) return this.close(undefined)
    this.live = new Set(live)
    this.state = 'settling'
  }

  /** A live value that the call's stream returned (in its return value): the call lives until it ends too. */
  adopt(id: number): void {
    if (this.state === 'settling') this.live!.add(id)
  }

  /** One live value of the result ended. The last one closes the call. */
  released(id: number): void {
    if (this.live?.delete(id) === true && this.live.size === 0 && this.state === 'settling') this.close(undefined)
  }

  /** The refs still live in a settling call's result, for a cancel to end them. */
  liveRefs(): number[] {
    return this.live === undefined ? [] : [...this.live]
  }

  /**
   * Cancelled by the client, aborted, disconnected, or failed: abort the signal and run onClose now. Returns
   * false when the call was already closed.
   */
  cancel(reason: unknown): boolean {
    if (this.state === 'closed') return false
    this.done = true
    this.reason = reason
    this.ctrl.abort(reason)
    this.close(reason)
    return true
  }

  /** Runs the onClose hooks, once. */
  close(reason: unknown): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.live = undefined
    if (reason !== undefined && this.reason === undefined) this.reason = reason
    const closers = this.closers
    this.closers = undefined
    if (closers !== undefined) for (const fn of closers) runHook(fn, this.reason)
  }
}

function runHook(fn: (reason?: unknown) => void, reason: unknown): void {
  try {
    fn(reason)
  } catch {
    // An onClose hook that throws must not stop the others, nor reach the port's event loop.
  }
}
