/**
 * What a keyed `Broadcast` subscription delivers (types only: both sides name them, nothing here runs).
 * The host's `Broadcast` is in main/broadcast.ts.
 */

/**
 * Process: any (a host's `Broadcast` sends it; a client iterates it).
 * One message of a keyed broadcast subscription. Switch on `kind`:
 * - `'value'`: the key's value number `seq` (1, 2, 3… per key);
 * - `'gap'`: this subscriber fell behind and will never receive the values numbered `from` to `to` (inclusive);
 *   the key's latest value follows at once, so the page is current again.
 *
 * For one subscription, the `seq`s and gap ranges it receives are increasing, never overlap, and together cover
 * every seq of its key from its first message on: nothing is lost without a gap saying so.
 * @see sluice/docs/primitives.md#broadcast
 */
export type BroadcastMessage<T, K = string> = { kind: 'value'; key: K; seq: number; value: T } | { kind: 'gap'; key: K; from: number; to: number }

/**
 * Process: Main (any host).
 * Options of a keyed `broadcast.subscribe(key, options)`.
 * @see sluice/docs/primitives.md#broadcast
 */
export interface BroadcastSubscribeOptions {
  /** Start with the key's latest value (with its seq), if it has one. Default false: start at the next publish. */
  last?: boolean
  /**
   * Messages the host holds for this subscriber while its page does not read (on top of the page's own credit
   * window, which the stream's flow control bounds). Past it, the subscriber is behind: it costs nothing more,
   * and gets a gap marker when it reads again. It also bounds a burst: more than `window` + 1 publishes to a key in one task put even a fast subscriber behind. Default 64.
   */
  window?: number
}

/**
 * Process: Main (any host).
 * What a `Broadcast` holds now, from `broadcast.stats()`: for tests and dashboards.
 * @see sluice/docs/primitives.md#broadcast
 */
export interface BroadcastStats {
  /** Keys remembered: those with subscribers, plus at most `maxKeys` without. */
  keys: number
  /** Open subscribers, keyed and unkeyed (`size`). */
  subscribers: number
  /** Keyed messages held for subscribers that are not reading: at most each one's `window`. */
  queued: number
  /** Keyed subscribers that are behind: they will get a gap marker when they read again. */
  behind: number
}
