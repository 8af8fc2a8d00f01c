/**
 * The host's side of channels: `Channel` (one client) and `Broadcast` (many).
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

/**
 * Process: Main (any host).
 * Sends the same values to many clients: each `subscribe()` opens a channel for one client, and `send()`
 * delivers to every open one. A client with no room left misses that value rather than holding the others
 * back (right for live dashboards, where the next value supersedes this one). Closed channels drop out.
 * @see sluice/docs/primitives.md#broadcast
 */
export class Broadcast<T> {
  private readonly channels = new Set<Channel<never, T>>()

  /** A new channel for one client: return the result from a handler. */
  subscribe(options?: { window?: number }): ChannelEnd<never, T> {
    const channel = new Channel<never, T>(options)
    this.channels.add(channel)
    channel.onClose(() => this.channels.delete(channel))
    return channel.client
  }

  /** Sends `value` to every subscriber with room; returns how many it reached. */
  send(value: T): number {
    let reached = 0
    for (const channel of this.channels) {
      if (channel.hasRoom()) {
        void channel.send(value).catch(() => {})
        reached++
      }
    }
    return reached
  }

  /** Open subscribers. */
  get size(): number {
    return this.channels.size
  }

  /** Closes every subscriber's channel. */
  close(): void {
    for (const channel of [...this.channels]) channel.close()
  }
}
