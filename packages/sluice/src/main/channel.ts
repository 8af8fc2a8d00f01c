/**
 * The host's side of channels: `Channel` (one client). `Broadcast` (many) is in broadcast.ts.
 */
import { ChannelCore, type ChannelEnd } from '../shared/channel.js'
import { channelEndMarker } from '../shared/codec.js'

/**
 * Process: Main (any host).
 * A two-way channel to one client. Return `channel.client` from a handler; keep the `Channel` to talk.
 * The host sends `Out` and receives `In`. `InAck` is what the host's listener returns for each `In` (what the
 * client's `send()` resolves with); `OutAck` what the client's listener returns for each `Out` (what the
 * host's `send()` resolves with). Both default to `unknown`.
 * @see sluice/docs/primitives.md#channel
 */
export class Channel<In = unknown, Out = unknown, InAck = unknown, OutAck = unknown> extends ChannelCore<Out, In, OutAck, InAck> {
  /** The client's end: return it from a handler (once). On the client it is a `ChannelEnd<In, Out, InAck, OutAck>`. */
  readonly client: ChannelEnd<In, Out, InAck, OutAck>

  /**
   * `window`: the host's receiving window in values (default 64); `windowBytes`: its window for
   * `sendBinary()` chunks, in bytes (default 8 MiB): a stalled host listener holds at most that many bytes.
   */
  constructor(options: { window?: number; windowBytes?: number } = {}) {
    const { windowBytes } = options
    if (windowBytes !== undefined && !(Number.isSafeInteger(windowBytes) && windowBytes > 0)) throw new RangeError('sluice: Channel: windowBytes must be a positive integer')
    super(options.window ?? 64, windowBytes)
    this.client = { [channelEndMarker]: true, core: this } as unknown as ChannelEnd<In, Out, InAck, OutAck>
  }
}
