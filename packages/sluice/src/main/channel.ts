/**
 * The host's side of channels: `Channel` (one client). `Broadcast` (many) is in broadcast.ts.
 */
import { ChannelCore, type ChannelEnd } from '../shared/channel.js'
import { channelEndMarker } from '../shared/codec.js'

/**
 * Process: Main (any host).
 * A two-way channel to one client. Return `channel.client` from a handler; keep the `Channel` to talk.
 * The host sends `Out` and receives `In`.
 * @see sluice/docs/primitives.md#channel
 */
export class Channel<In = unknown, Out = unknown> extends ChannelCore<Out, In> {
  /** The client's end: return it from a handler (once). On the client it is a `ChannelEnd<Out, In>`. */
  readonly client: ChannelEnd<In, Out>

  constructor(options: { window?: number } = {}) {
    super(options.window ?? 64)
    this.client = { [channelEndMarker]: true, core: this } as unknown as ChannelEnd<In, Out>
  }
}
