/**
 * Functions by reference, both ways. The exporter keeps a function until the importer releases it. The importer
 * releases when its proxy is garbage-collected (FinalizationRegistry) or on `release(fn)`. The exporter may send
 * the same function again before that release arrives, so a release carries how many times the importer
 * received the id, and the exporter forgets the function only when every send is accounted for.
 */
import { dispose, RELEASE } from '../dispose.js'
import { ProtocolError } from '../errors.js'
import type { Encoded } from '../protocol.js'
import type { LiveRef, RefContext } from './live.js'
import { settleFrom } from './promises.js'

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

/** A function of ours that the peer holds a proxy for. */
export class ExportedFunction implements LiveRef {
  readonly kind = 'function'
  /** Sends not yet released by the peer. */
  sent = 1

  constructor(
    private readonly ctx: RefContext,
    private readonly id: number,
    readonly fn: Function,
    /** Called once when the table forgets it, so the same function sent later gets a new id. */
    private readonly gone: () => void,
  ) {}

  /** `ref-call`: the peer calls it. The answer goes back as `ref-result`, whatever happens. */
  call(call: number, argsEncoded: Encoded): void {
    const { ctx } = this
    let args: unknown
    try {
      args = ctx.decode(argsEncoded)
      if (!Array.isArray(args)) throw new TypeError('arguments must be an array')
    } catch (e) {
      ctx.outbox.push({ t: 'ref-result', call, error: ctx.wireError(new ProtocolError(`sluice: bad arguments to a function ref: ${(e as Error).message}`)) })
      return
    }
    let result: unknown
    try {
      result = this.fn(...(args as unknown[]))
    } catch (e) {
      ctx.outbox.push({ t: 'ref-result', call, error: ctx.wireError(e) })
      return
    }
    Promise.resolve(result).then(
      (value) => {
        if (ctx.closedWith !== undefined) return dispose(value, ctx.closedWith)
        try {
          ctx.outbox.push({ t: 'ref-result', call, value: ctx.encode(value) })
        } catch (e) {
          ctx.outbox.push({ t: 'ref-result', call, error: ctx.wireError(e) })
        }
      },
      (e) => {
        if (ctx.closedWith === undefined) ctx.outbox.push({ t: 'ref-result', call, error: ctx.wireError(e) })
      },
    )
  }

  release(n: number): void {
    this.sent -= n
    if (this.sent <= 0) this.forget()
  }

  ended(): void {
    this.gone()
  }

  end(): void {
    this.forget()
  }

  revoke(): void {
    if (--this.sent <= 0) this.forget()
  }

  close(): void {}

  private forget(): void {
    this.ctx.forget(this.id)
    this.gone()
  }
}

/** A proxy's entry: how many times the id was received, for the release that accounts for them. */
export class ImportedFunction implements LiveRef {
  readonly kind = 'function'
  received = 1
  constructor(readonly proxy: WeakRef<Function>) {}
  ended(): void {}
  end(): void {}
  revoke(): void {}
  close(): void {}
}

interface PendingCall {
  ref: number
  settleWith(ok: boolean, v: unknown): void
}

/**
 * Calls from this side to the peer's functions: the proxies, the calls awaiting a `ref-result`, and the
 * `maxCallbackCalls` bound per function.
 */
export class RemoteCalls {
  private readonly pending = new Map<number, PendingCall>()
  private readonly perRef = new Map<number, number>()
  private nextCall = 1
  private readonly gc: FinalizationRegistry<number> | undefined

  constructor(
    private readonly ctx: RefContext,
    private readonly maxPerRef: number,
    /** The proxy for `id` was collected or released: tell the exporter (see RefTable.collected). */
    private readonly collected: (id: number) => void,
  ) {
    this.gc = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry((id) => this.collected(id)) : undefined
  }

  get size(): number {
    return this.pending.size
  }

  /** A callable proxy for the peer's function `id`. */
  proxy(id: number): { proxy: Function; entry: ImportedFunction } {
    let released = false
    const calls = this
    const proxy = function sluiceRemoteFunction(...args: unknown[]): Promise<unknown> {
      if (released) return Promise.reject(new Error('sluice: this function was released; it can no longer be called'))
      return calls.call(id, args)
    }
    const doRelease = () => {
      if (released) return
      released = true
      this.gc?.unregister(proxy)
      this.collected(id)
    }
    Object.defineProperty(proxy, RELEASE, { value: doRelease })
    Object.defineProperty(proxy, RELEASED, { get: () => released })
    this.gc?.register(proxy, id, proxy)
    return { proxy, entry: new ImportedFunction(new WeakRef(proxy)) }
  }

  /**
   * Calls the peer's function `ref`. The promise is handled from birth, like an imported promise: a callback
   * called without awaiting (a progress tick) must not kill this process when the peer answers with an error
   * or goes away. Code that awaits the call still sees the error.
   */
  call(ref: number, args: unknown[]): Promise<unknown> {
    const promise = this.start(ref, args)
    promise.catch(ignore)
    return promise
  }

  private start(ref: number, args: unknown[]): Promise<unknown> {
    const { ctx } = this
    if (ctx.closedWith !== undefined) return Promise.reject(ctx.closedWith)
    const inFlight = this.perRef.get(ref) ?? 0
    if (inFlight >= this.maxPerRef) {
      return Promise.reject(
        new RangeError(
          `sluice: ${inFlight} calls to this function from the peer are still unanswered (limits.maxCallbackCalls is ${this.maxPerRef}); await its calls, or call it less often`,
        ),
      )
    }
    let encoded: Encoded
    try {
      encoded = ctx.encode(args)
    } catch (e) {
      return Promise.reject(e)
    }
    const call = this.nextCall++
    this.perRef.set(ref, inFlight + 1)
    return new Promise((resolve, reject) => {
      this.pending.set(call, { ref, settleWith: (ok, v) => (ok ? resolve(v) : reject(v)) })
      ctx.outbox.push({ t: 'ref-call', ref, call, args: encoded })
    })
  }

  /** `ref-result`: the peer answered call `call`. */
  answered(call: number, frame: Parameters<typeof settleFrom>[2]): void {
    const pending = this.take(call)
    if (pending !== undefined) settleFrom(this.ctx, pending, frame)
  }

  /** A `ref-call` of ours that postMessage refused. */
  failed(call: number, error: unknown): void {
    this.take(call)?.settleWith(false, new TypeError(`sluice: the arguments could not be sent: ${(error as Error)?.message ?? String(error)}`))
    this.ctx.changed()
  }

  close(error: Error): void {
    for (const pending of this.pending.values()) pending.settleWith(false, error)
    this.pending.clear()
    this.perRef.clear()
  }

  private take(call: number): PendingCall | undefined {
    const pending = this.pending.get(call)
    if (pending === undefined) return undefined
    this.pending.delete(call)
    const left = (this.perRef.get(pending.ref) ?? 1) - 1
    if (left > 0) this.perRef.set(pending.ref, left)
    else this.perRef.delete(pending.ref)
    return pending
  }
}
