/**
 * Channels by reference. Only the host makes them (`new Channel()`, whose `client` token is exported); the
 * client imports a ChannelCore of its own. Both ends are ChannelCores bound to the connection by one link, and
 * the channel ends with `ref-end` from either end (with an error for an `abort()`). Values travel in `ref-push`,
 * byte chunks in `ref-bytes`, grants in `ref-pull` (items and bytes), acks in `ref-ack`.
 */
import { type AckBatch, ChannelCore, type ChannelLink, coreOfToken } from '../channel.js'
import { sendsByReference } from '../codec.js'
import { dispose } from '../dispose.js'
import { ProtocolError } from '../errors.js'
import type { Encoded, RefAckFrame, WireError } from '../protocol.js'
import { deserializeError } from '../wire-error.js'
import type { LiveRef, RefContext } from './live.js'


function link(ctx: RefContext, id: number): ChannelLink {
  return {
    push: (value) => ctx.pushItem(id, value),
    pushBytes: (bytes) => {
      // The codec's rule for stream items: small or partial views are copied, the rest posted at once.
      if (!sendsByReference(bytes)) {
        ctx.outbox.push({ t: 'ref-bytes', ref: id, bytes: bytes.slice() })
      } else {
        // postMessage's own copy is the snapshot: post before the sender can change the bytes.
        ctx.outbox.push({ t: 'ref-bytes', ref: id, bytes })
        ctx.outbox.flush()
      }
    },
    pull: (n, bytes) => ctx.outbox.push(bytes > 0 ? { t: 'ref-pull', ref: id, n, b: bytes } : { t: 'ref-pull', ref: id, n }),
    ack: (batch) => ctx.outbox.push(ackFrame(ctx, id, batch)),
    end: (error) => {
      ctx.outbox.push(error === undefined ? { t: 'ref-end', ref: id } : { t: 'ref-end', ref: id, error: ctx.wireError(error) })
      ctx.forget(id)
    },
  }
}

/** Encodes a batch of acks. An ack value that cannot be sent becomes an error for that send. */
function ackFrame(ctx: RefContext, id: number, batch: AckBatch): RefAckFrame {
  const frame: RefAckFrame = { t: 'ref-ack', ref: id, n: batch.n }
  if (batch.values !== undefined) {
    for (const key in batch.values) {
      try {
        ;(frame.v ??= {})[key as unknown as number] = ctx.encode(batch.values[key])
      } catch (e) {
        ;(frame.e ??= {})[key as unknown as number] = ctx.wireError(new TypeError(`sluice: a listener's ack could not be sent: ${(e as Error).message}`))
      }
    }
  }
  if (batch.errors !== undefined) {
    for (const key in batch.errors) (frame.e ??= {})[key as unknown as number] = ctx.wireError(batch.errors[key])
  }
  return frame
}

/** Decodes a peer's `ref-ack`; throws a ProtocolError for a malformed one. */
function readAcks(ctx: RefContext, frame: RefAckFrame): AckBatch {
  const batch: AckBatch = { n: frame.n }
  const index = (key: string): number => {
    const i = Number(key)
    if (!Number.isInteger(i) || i < 0 || i >= frame.n || String(i) !== key) throw new ProtocolError(`ref-ack: index ${key.slice(0, 20)} is outside the ${frame.n} values acked`)
    return i
  }
  try {
    if (frame.v !== undefined) {
      if (typeof frame.v !== 'object' || frame.v === null) throw new ProtocolError('ref-ack: v must be an object')
      for (const key of Object.keys(frame.v)) {
        const i = index(key)
        try {
          ;(batch.values ??= {})[i] = ctx.decode((frame.v as Record<string, Encoded>)[key]!)
        } catch (e) {
          throw new ProtocolError(`ref-ack: ${(e as Error).message}`)
        }
      }
    }
    if (frame.e !== undefined) {
      if (typeof frame.e !== 'object' || frame.e === null) throw new ProtocolError('ref-ack: e must be an object')
      for (const key of Object.keys(frame.e)) (batch.errors ??= {})[index(key)] = deserializeError((frame.e as Record<string, WireError>)[key]!)
    }
  } catch (e) {
    // Refused: the values decoded so far are never delivered, so what is live in them is ended.
    if (batch.values !== undefined) for (const key in batch.values) dispose(batch.values[key])
    throw e
  }
  return batch
}

/** One end of a channel, on either side. */
export class ChannelRef implements LiveRef {
  readonly kind = 'channel'

  private constructor(
    private readonly ctx: RefContext,
    private readonly id: number,
    readonly core: ChannelCore<unknown, unknown>,
  ) {
    core.bind(link(ctx, id))
    core.onClose(() => ctx.forget(id))
  }

  /** Exports a Channel's `client` token. */
  static exported(ctx: RefContext, id: number, token: object): ChannelRef {
    const core = coreOfToken(token)
    if (core === undefined) throw new TypeError('only a Channel’s `client` can be sent as a channel')
    return new ChannelRef(ctx, id, core)
  }

  /** Imports the peer's channel: the importer speaks first, granting its window, which tells the exporter it arrived. */
  static imported(ctx: RefContext, id: number): ChannelRef {
    const ref = new ChannelRef(ctx, id, new ChannelCore<unknown, unknown>(ctx.flow))
    ref.core.open()
    return ref
  }

  push(items: unknown[]): boolean {
    return this.core.receive(items)
  }

  pushBytes(bytes: Uint8Array): boolean {
    return this.core.receiveBytes(bytes)
  }

  pull(n: number, bytes?: number): boolean {
    return this.core.grant(n, this.ctx.maxCredit, bytes, this.ctx.maxCreditBytes)
  }

  ack(frame: RefAckFrame): boolean {
    return this.core.acked(readAcks(this.ctx, frame))
  }

  ended(error: unknown, hasError: boolean): void {
    this.core.finish(hasError ? error : undefined)
  }

  end(reason: unknown): void {
    this.ctx.outbox.push({ t: 'ref-end', ref: this.id })
    this.ctx.forget(this.id)
    this.core.finish(reason)
  }

  revoke(reason: unknown): void {
    this.ctx.forget(this.id)
    this.core.finish(reason)
  }

  close(error: Error): void {
    this.core.finish(error)
  }
}
