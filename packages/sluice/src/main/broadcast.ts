/**
 * The host's broadcast: the same values to many clients.
 * - Keyed (`publish(key, value)`, `subscribe(key)`): values numbered per key; a subscriber that falls behind is
 *   told exactly which values it missed, and a late one can start from the key's latest value.
 * - Unkeyed (`send(value)`, `subscribe()`): one channel per client; one with no room misses the value silently.
 *
 * A keyed subscription is an async iterable the handler returns: the client gets a `StreamCall` of
 * `BroadcastMessage`s, flow-controlled like any stream (no new frames). The stream's driver calls `next()` only
 * while it holds the page's credit, so a subscriber whose `next()` is pending is a subscriber with room.
 *
 * ============================================================================================================
 * Delivery invariant (keyed)
 * ============================================================================================================
 * Per subscriber, a publish goes (1) straight to its pending `next()`, else (2) into its queue, at most
 * `window` messages, else (3) nowhere: the subscriber is *behind* from that seq (`missedFrom`) and holds
 * nothing more. When it reads past its queue, it gets one gap `{ from: missedFrom, to: latest - 1 }` (none if
 * only the latest was missed) and then the key's latest value, which the broadcast always holds for a key with
 * subscribers. So the seqs and gaps a subscriber sees are increasing, disjoint, and cover its key's seqs from
 * its first message on; and a stalled subscriber costs at most `window` messages.
 *
 * ============================================================================================================
 * Memory bound
 * ============================================================================================================
 * One topic per key: its seq counter, its latest value, its subscribers. A key with subscribers is always kept
 * (they are bounded by each connection's `maxStreams`: a subscription joins its topic only when its stream first
 * reads it, so one that never became a stream, because its handler threw or its call was cancelled, holds
 * nothing). A string key is at most `maxKeyLength` characters. Keys without subscribers are kept in least-recently-
 * used order (a publish, or the last subscriber leaving, uses it), at most `maxKeys`: past that the oldest is
 * forgotten, value and seq (a later publish starts it at seq 1 again). No subscriber can see a seq restart,
 * since a key with subscribers is never forgotten.
 */
import type { BroadcastMessage, BroadcastStats, BroadcastSubscribeOptions } from '../shared/broadcast.js'
import type { ChannelEnd } from '../shared/channel.js'
import { Channel } from './channel.js'

/** A key's state: its seq counter, latest value and subscribers. */
interface Topic<T, K> {
  readonly key: K
  seq: number
  last: T | undefined
  readonly subs: Set<Subscriber<T, K>>
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined })

/** What a subscriber needs from its broadcast: to join its key's topic, and to leave it. */
interface Membership<T, K> {
  join(sub: Subscriber<T, K>, key: K): Topic<T, K>
  leave(sub: Subscriber<T, K>, topic: Topic<T, K>): void
}

/**
 * One keyed subscription: the async iterator the stream driver reads.
 *
 * It joins its key's topic on the first `next()` (the stream driver's first pull, as soon as the handler's
 * result is taken), not when `subscribe()` returns: a subscription nobody ever reads (its handler threw after
 * subscribing, or its call was cancelled before returning it) never joins, so the topic never holds it.
 */
class Subscriber<T, K> implements AsyncIterableIterator<BroadcastMessage<T, K>> {
  /** Messages waiting for the driver's next `next()`: at most `window`. */
  queue: BroadcastMessage<T, K>[] = []
  /** The first seq this subscriber missed while behind; 0 while it is not behind. */
  missedFrom = 0
  /** Its key's topic, from its first `next()` on. */
  private topic: Topic<T, K> | undefined
  private waiting: ((step: IteratorResult<BroadcastMessage<T, K>>) => void) | undefined
  private done = false

  constructor(
    private readonly key: K,
    private readonly window: number,
    /** `{ last: true }`: start with the key's latest value, as of joining. */
    private readonly startAtLast: boolean,
    private readonly membership: Membership<T, K>,
  ) {}

  /** A publish: see the delivery invariant. */
  offer(seq: number, value: T): void {
    if (this.missedFrom > 0) return
    const message: BroadcastMessage<T, K> = { kind: 'value', key: this.key, seq, value }
    const waiting = this.waiting
    if (waiting !== undefined) {
      this.waiting = undefined
      waiting({ done: false, value: message })
    } else if (this.queue.length < this.window) this.queue.push(message)
    else this.missedFrom = seq
  }

  next(): Promise<IteratorResult<BroadcastMessage<T, K>>> {
    if (this.done) return Promise.resolve(DONE)
    if (this.topic === undefined) {
      const topic = (this.topic = this.membership.join(this, this.key))
      if (this.startAtLast && topic.seq > 0) this.offer(topic.seq, topic.last as T)
    }
    const message = this.take()
    if (message !== undefined) return Promise.resolve({ done: false, value: message })
    return new Promise((resolve) => (this.waiting = resolve))
  }

  /** The page cancelled (or went away): the driver ends the stream with this. */
  return(): Promise<IteratorResult<BroadcastMessage<T, K>>> {
    this.end()
    return Promise.resolve(DONE)
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /** Ends the subscription: a pending `next()` resolves done, so the page's loop ends normally. Idempotent. */
  end(): void {
    if (this.done) return
    this.done = true
    this.queue = []
    this.missedFrom = 0
    if (this.topic !== undefined) this.membership.leave(this, this.topic)
    const waiting = this.waiting
    this.waiting = undefined
    waiting?.(DONE)
  }

  private take(): BroadcastMessage<T, K> | undefined {
    if (this.queue.length > 0) return this.queue.shift()
    if (this.missedFrom === 0) return undefined
    // Catching up: the gap, then the latest value (the topic holds it: a key with subscribers is never forgotten).
    // Behind means joined: only a joined subscriber is offered anything.
    const { key, seq, last } = this.topic!
    const from = this.missedFrom
    this.missedFrom = 0
    const latest: BroadcastMessage<T, K> = { kind: 'value', key, seq, value: last as T }
    if (from === seq) return latest
    this.queue.push(latest)
    return { kind: 'gap', key, from, to: seq - 1 }
  }
}

/**
 * One unkeyed subscriber: a channel that joins its broadcast when its end is sent to a page (bound to a
 * connection), not when `subscribe()` makes it. One never sent (its handler threw after subscribing) is never
 * held; one sent leaves when it closes (its page closed it or went away, or `close()`).
 */
class FeedChannel<T> extends Channel<never, T> {
  constructor(private readonly joined: (channel: FeedChannel<T>) => void) {
    super()
  }

  override bind(link: Parameters<Channel['bind']>[0]): void {
    super.bind(link)
    if (!this.closed) this.joined(this)
  }
}

/** The largest `window` a subscription may ask for: the default `flow.maxWindow`. */
const MAX_WINDOW = 4096

/** A key a client may name: it travels in every message. */
export type BroadcastKey = string | number

/**
 * Process: Main (any host).
 * Sends values to many clients, by key.
 * - `publish(key, value)` numbers the value (`seq` 1, 2, 3… per key) and delivers it to the key's subscribers.
 * - `subscribe(key, { last, window })`, returned from a handler, gives the client a `StreamCall` of
 *   `BroadcastMessage`s: `{ kind: 'value', key, seq, value }`, and `{ kind: 'gap', key, from, to }` when it fell
 *   behind (then the latest value follows). A `break` or `cancel()` unsubscribes.
 * - Memory: one latest value per key; keys without subscribers are forgotten past `maxKeys` (least recently
 *   used first); a string key is at most `maxKeyLength` characters (default 256); a stalled subscriber holds
 *   at most its `window`, and a subscription nobody reads holds nothing.
 *
 * The unkeyed form stays for dashboards: `subscribe()` opens a channel per client and `send(value)` delivers to
 * every channel with room (a client without room misses that value, silently). A channel joins when its end
 * is sent to a page, so one never sent (its handler threw) is never held.
 * @see sluice/docs/primitives.md#broadcast
 */
export class Broadcast<T, K extends BroadcastKey = string> {
  private readonly channels = new Set<FeedChannel<T>>()
  private readonly topics = new Map<K, Topic<T, K>>()
  /** Topics without subscribers, least recently used first (a Map keeps insertion order). */
  private readonly idle = new Map<K, Topic<T, K>>()
  private readonly maxKeys: number
  private readonly maxKeyLength: number
  private readonly membership: Membership<T, K> = { join: (sub, key) => this.join(sub, key), leave: (sub, topic) => this.leave(sub, topic) }

  /**
   * `maxKeys`: how many keys without subscribers keep their latest value and seq (default 1000).
   * `maxKeyLength`: the longest string key, in characters (UTF-16 code units; default 256). A key is held as
   * a Map key and travels in every message, and it often comes from the page: `maxKeys` bounds how many keys
   * there are, this bounds how large each one is.
   */
  constructor(options: { maxKeys?: number; maxKeyLength?: number } = {}) {
    const { maxKeys = 1000, maxKeyLength = 256 } = options
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 0) throw new RangeError('sluice: new Broadcast(): maxKeys must be a non-negative integer')
    if (!Number.isSafeInteger(maxKeyLength) || maxKeyLength < 1) throw new RangeError('sluice: new Broadcast(): maxKeyLength must be a positive integer')
    this.maxKeys = maxKeys
    this.maxKeyLength = maxKeyLength
  }

  /**
   * Publishes `value` under `key` and returns its seq. Every subscriber of `key` receives it: at once, or queued
   * (up to its window), or, when it is behind, as part of the gap and the latest value it gets on reading again.
   */
  publish(key: K, value: T): number {
    this.checkKey(key, 'publish')
    const topic = this.topic(key)
    const seq = ++topic.seq
    topic.last = value
    if (topic.subs.size === 0) this.rest(topic)
    else for (const sub of topic.subs) sub.offer(seq, value)
    return seq
  }

  /**
   * Keyed: a subscription to `key`, to return from a handler; the client iterates `BroadcastMessage`s. With
   * `{ last: true }` it starts with the key's latest value. Throws a TypeError for a key that is not a string
   * or a number, and a RangeError for a string key longer than `maxKeyLength` (a key often comes from the page:
   * it is checked here). The subscription joins the key when its stream first reads it, so one that is never
   * read (the handler threw after subscribing, or its call was cancelled first) holds nothing.
   */
  subscribe(key: K, options?: BroadcastSubscribeOptions): AsyncIterable<BroadcastMessage<T, K>>
  /**
   * Unkeyed (no key): a new channel for one client, to return from a handler; `send()` reaches it while it has
   * room. Only a missing key means this: anything else that is not a string or a number is a TypeError.
   */
  subscribe(): ChannelEnd<never, T>
  subscribe(key?: K, options: BroadcastSubscribeOptions = {}): AsyncIterable<BroadcastMessage<T, K>> | ChannelEnd<never, T> {
    if (key === undefined) return this.subscribeChannel()
    this.checkKey(key, 'subscribe')
    const window = options.window ?? 64
    // Capped like a stream's window (flow.maxWindow's default): a handler that passes a page's options through
    // must not let a stalled page pin an unbounded queue.
    if (!Number.isSafeInteger(window) || window < 1 || window > MAX_WINDOW) {
      throw new RangeError(`sluice: Broadcast.subscribe(): window must be an integer from 1 to ${MAX_WINDOW}`)
    }
    // Nothing is held until the subscription is first read (see Subscriber): the topic is looked up then.
    return new Subscriber<T, K>(key, window, options.last === true, this.membership)
  }

  /** Unkeyed: sends `value` to every channel subscriber with room; returns how many it reached. */
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

  /** The key's latest value and its seq, if the broadcast remembers one. */
  last(key: K): { seq: number; value: T } | undefined {
    const topic = this.topics.get(key)
    return topic === undefined || topic.seq === 0 ? undefined : { seq: topic.seq, value: topic.last as T }
  }

  /** Open subscribers of `key` (keyed). */
  count(key: K): number {
    return this.topics.get(key)?.subs.size ?? 0
  }

  /** Open subscribers, keyed and unkeyed. */
  get size(): number {
    let n = this.channels.size
    for (const topic of this.topics.values()) n += topic.subs.size
    return n
  }

  /** What the broadcast holds now (keys, subscribers, queued messages): for tests and dashboards. */
  stats(): BroadcastStats {
    let queued = 0
    let behind = 0
    let subscribers = this.channels.size
    for (const topic of this.topics.values()) {
      for (const sub of topic.subs) {
        subscribers++
        queued += sub.queue.length
        if (sub.missedFrom > 0) behind++
      }
    }
    return { keys: this.topics.size, subscribers, queued, behind }
  }

  /**
   * Ends every subscription being read (keyed ones end normally on the client: its loop finishes) and forgets
   * every key. A keyed subscription not read yet is not known here: when it is, it joins its key afresh.
   */
  close(): void {
    for (const channel of [...this.channels]) channel.close()
    for (const topic of [...this.topics.values()]) for (const sub of [...topic.subs]) sub.end()
    this.topics.clear()
    this.idle.clear()
  }

  /** The topic of `key`, made on first use. */
  private topic(key: K): Topic<T, K> {
    let topic = this.topics.get(key)
    if (topic === undefined) {
      topic = { key, seq: 0, last: undefined, subs: new Set() }
      this.topics.set(key, topic)
    }
    return topic
  }

  private subscribeChannel(): ChannelEnd<never, T> {
    const channel = new FeedChannel<T>((c) => this.channels.add(c))
    channel.onClose(() => this.channels.delete(channel))
    return channel.client
  }

  /** A subscription's first read: it joins its key (which stops being idle). */
  private join(sub: Subscriber<T, K>, key: K): Topic<T, K> {
    const topic = this.topic(key)
    this.idle.delete(key)
    topic.subs.add(sub)
    return topic
  }

  private leave(sub: Subscriber<T, K>, topic: Topic<T, K>): void {
    if (!topic.subs.delete(sub) || topic.subs.size > 0 || this.topics.get(topic.key) !== topic) return
    if (topic.seq === 0) this.topics.delete(topic.key)
    else this.rest(topic)
  }

  /** `topic` has no subscribers and was just used: most recent among the idle; forget the oldest past maxKeys. */
  private rest(topic: Topic<T, K>): void {
    this.idle.delete(topic.key)
    this.idle.set(topic.key, topic)
    while (this.idle.size > this.maxKeys) {
      const oldest = this.idle.keys().next().value as K
      this.idle.delete(oldest)
      this.topics.delete(oldest)
    }
  }

  /** A key often comes from the page: its type and size are checked before it is kept or sent. */
  private checkKey(key: unknown, method: string): void {
    if (typeof key === 'number') return
    if (typeof key !== 'string') throw new TypeError(`sluice: Broadcast.${method}(): the key must be a string or a number, not ${key === null ? 'null' : typeof key}`)
    if (key.length > this.maxKeyLength) {
      throw new RangeError(`sluice: Broadcast.${method}(): the key is ${key.length} characters long, over maxKeyLength (${this.maxKeyLength}; new Broadcast({ maxKeyLength }) sets it)`)
    }
  }
}
