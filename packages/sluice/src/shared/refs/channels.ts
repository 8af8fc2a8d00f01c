/**
 * Channels by reference. Only the host makes them (`new Channel()`, whose `client` token is exported); the
 * client imports a ChannelCore of its own. Both ends are ChannelCores bound to the connection by one link, and
 * the channel ends with `ref-end` from either end.
 */
import { ChannelCore, type ChannelLink, coreOfToken } from '../channel.js'
import type { LiveRef, RefContext } from './live.js'

function link(ctx: RefContext, id: number): ChannelLink {
  return {
    push: (value) => ctx.pushItem('ref-push', id, value),
    pull: (n) => ctx.outbox.push({ t: 'ref-pull', ref: id, n }),
    end: () => {
      ctx.outbox.push({ t: 'ref-end', ref: id })
      ctx.forget(id)
    },
  }
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

  pull(n: number): boolean {
    return this.core.grant(n, this.ctx.maxCredit)
  }

  ended(): void {
    this.core.finish(undefined)
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
