/**
 * The one interface behind every kind of ref. The table (table.ts) allocates ids, keeps the counts that the
 * limits are checked against, and routes the peer's `ref-*` frames; each kind (functions.ts, promises.ts,
 * streams.ts, channels.ts) is a small class implementing `LiveRef`, for what it exports and what it imports.
 */
import type { Flow } from '../flow/window.js'
import type { Outbox } from '../outbox.js'
import type { Encoded, RefAckFrame, RefKind, WireError } from '../protocol.js'

/** How an exported ref ended, for whoever watches it (a call whose result holds it: main/call.ts). */
export interface RefEnd {
  /** Why it ended early: it failed, the peer cancelled it, or this side ended it. Absent: it finished. */
  error?: unknown
  /** It failed by itself: its source threw, or a value of it could not be sent (not a cancel from either side). */
  failed?: boolean
  /** The refs exported in its last value (an iterable's return value): they live on after it. */
  held?: number[]
}

/** What a ref of any kind may use of its table and connection. */
export interface RefContext {
  readonly outbox: Outbox
  /** The window of streams and channels this side consumes. */
  readonly flow: Flow
  /** The most credit the peer may hold granted to one of our producers (limits.maxCredit). */
  readonly maxCredit: number
  /** The most byte credit the peer may hold granted to one of our channels (a host's flow.maxWindowBytes). */
  readonly maxCreditBytes: number
  /** Encodes `value`, exporting the live objects in it; their ref ids are appended to `held` when given. */
  encode(value: unknown, held?: number[]): Encoded
  /** Encodes one stream item into the outbox, plain data on the allocation-free path (RefTable.pushItem). */
  pushItem(id: number, value: unknown): void
  decode(value: Encoded): unknown
  wireError(e: unknown): WireError
  /** Forgets ref `id` from the table (exported or imported): its limit slot frees and watchers hear `end`. */
  forget(id: number, end?: RefEnd): void
  /** Something about refs changed: the host may retire a closed connection. */
  changed(): void
  /** Why the connection closed, once it has. */
  readonly closedWith: Error | undefined
}

/** One live ref, exported or imported. The table calls only what the peer's frame is about. */
export interface LiveRef {
  readonly kind: RefKind
  /** Counted against no limit of the table: its owner counts it (a host's stream call, under `maxStreams`). */
  readonly uncounted?: boolean
  /** Its reader drops what arrives (an awaited stream call): Blobs in its items need not be read first. */
  readonly discards?: boolean
  /** `ref-push`: items from the peer. Returns false, taking none, past the credit granted. Absent: none taken. */
  push?(items: unknown[]): boolean
  /** `ref-bytes` on a channel: one byte chunk. Returns false, taking nothing, past the items or bytes granted. */
  pushBytes?(bytes: Uint8Array): boolean
  /** `ref-pull`: the peer grants `n` more (and, to a channel, `bytes` more bytes). Returns false past `maxCredit`. */
  pull?(n: number, bytes?: number): boolean
  /** `ref-ack` on a channel: the peer handled the next `frame.n` values. Returns false past what was sent. */
  ack?(frame: RefAckFrame): boolean
  /** `ref-call` on an exported function. */
  call?(call: number, args: Encoded): void
  /** `ref-release`: the peer let go of `n` of the sends of an exported function. */
  release?(n: number): void
  /** `ref-settle` on an imported promise (already forgotten by the table). */
  settle?(frame: { value?: Encoded; error?: WireError }): void
  /**
   * `ref-end` from the peer (already forgotten by the table): `error` is its error, if it sent one; `value` an
   * iterable's return value.
   */
  ended(error: unknown, hasError: boolean, value?: unknown): void
  /**
   * Ends it from this side after the peer has it (the call that returned it was cancelled), telling the peer
   * unless `tell` is false (the peer is the one who gave up).
   */
  end(reason: unknown, tell?: boolean): void
  /** Undoes an export the peer never learned of (the value that held it could not be sent). */
  revoke(reason: unknown): void
  /** The connection closed with `error`. */
  close(error: Error): void
}
