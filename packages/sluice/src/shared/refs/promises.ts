/**
 * Promises by reference: exported until they settle (`ref-settle` carries the value or the error), imported as
 * a promise that the peer's `ref-settle` settles.
 */
import { dispose } from '../dispose.js'
import { ProtocolError } from '../errors.js'
import { deserializeError } from '../wire-error.js'
import type { Encoded, WireError } from '../protocol.js'
import type { LiveRef, RefContext } from './live.js'

const ignore = (): void => {}

/** A promise of ours, held by the peer until it settles. */
export class ExportedPromise implements LiveRef {
  readonly kind = 'promise'
  private gone = false

  constructor(
    private readonly ctx: RefContext,
    private readonly id: number,
    promise: Promise<unknown>,
  ) {
    promise.then(
      (v) => this.settled(v, undefined, false),
      (e) => this.settled(undefined, e, true),
    )
  }

  private settled(value: unknown, error: unknown, failed: boolean): void {
    const { ctx, id } = this
    if (this.gone || ctx.closedWith !== undefined) {
      // The peer is gone (or the promise was ended or revoked): what it resolved to will never be delivered.
      if (!failed) dispose(value, ctx.closedWith)
      return
    }
    this.gone = true
    ctx.forget(id)
    if (failed) return ctx.outbox.push({ t: 'ref-settle', ref: id, error: ctx.wireError(error) })
    let encoded: Encoded
    try {
      encoded = ctx.encode(value)
    } catch (e) {
      return ctx.outbox.push({ t: 'ref-settle', ref: id, error: ctx.wireError(new TypeError(`sluice: a promise resolved to a value that cannot be sent: ${(e as Error).message}`)) })
    }
    ctx.outbox.push({ t: 'ref-settle', ref: id, value: encoded })
  }

  ended(): void {
    this.gone = true
  }

  end(reason: unknown): void {
    this.gone = true
    this.ctx.forget(this.id)
    this.ctx.outbox.push({ t: 'ref-settle', ref: this.id, error: this.ctx.wireError(reason) })
  }

  revoke(): void {
    this.gone = true
    this.ctx.forget(this.id)
  }

  close(): void {
    this.gone = true
  }
}

/** A promise of the peer's: settles when its `ref-settle` arrives. */
export class ImportedPromise implements LiveRef {
  readonly kind = 'promise'
  readonly promise: Promise<unknown>
  private resolve!: (v: unknown) => void
  private reject!: (e: unknown) => void

  constructor(private readonly ctx: RefContext) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    // Handled from birth: the peer decides when (and whether) this rejects, and a rejection nobody awaits
    // (the call was refused, the handler ignored it) must not become an unhandled rejection in this process.
    // Code that awaits it still sees the error.
    this.promise.catch(ignore)
  }

  settle(frame: { value?: Encoded; error?: WireError }): void {
    settleFrom(this.ctx, this, frame)
  }

  /** A peer that ends a promise with `ref-end` (not `ref-settle`) broke the protocol: reject, never hang. */
  ended(error: unknown, hasError: boolean): void {
    this.reject(hasError ? error : new ProtocolError('sluice: the peer ended a promise with ref-end instead of settling it'))
  }
  end(): void {}
  revoke(): void {}

  close(error: Error): void {
    this.reject(error)
  }

  /** @internal for settleFrom */
  settleWith(ok: boolean, v: unknown): void {
    if (ok) this.resolve(v)
    else this.reject(v)
  }
}

/** Settles `target` from a frame carrying exactly one of `value` or `error` (ref-settle, ref-result). */
export function settleFrom(ctx: RefContext, target: { settleWith(ok: boolean, v: unknown): void }, frame: { value?: Encoded; error?: WireError }): void {
  if (frame.error !== undefined) target.settleWith(false, deserializeError(frame.error))
  else {
    try {
      target.settleWith(true, frame.value === undefined ? undefined : ctx.decode(frame.value))
    } catch (e) {
      target.settleWith(false, e)
    }
  }
  ctx.changed()
}
