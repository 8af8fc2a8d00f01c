/**
 * The api the benchmark serves from its Worker thread: through sluice, and (only `add`) through the
 * hand-written request/response server and comlink, so every calls/s row runs the same handler.
 */

/** One clock for both threads: `performance.timeOrigin` is shared by a process's threads. */
export const now = (): number => performance.timeOrigin + performance.now()

/** The small object every throughput row moves. */
export interface Item {
  i: number
  text: string
  ts: number
}

export const item = (i: number): Item => ({ i, text: 'hello', ts: Date.now() })

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Throughput: `n` small objects as fast as credit allows; returns `n`. */
export async function* items(n: number): AsyncGenerator<Item, number> {
  for (let i = 0; i < n; i++) yield item(i)
  return n
}

/** Idle latency: one item every `everyMs`, stamped (shared clock) just before it is yielded. */
export async function* ticks(n: number, everyMs: number): AsyncGenerator<{ i: number; ts: number }, void> {
  for (let i = 0; i < n; i++) {
    await sleep(everyMs)
    yield { i, ts: now() }
  }
}

/** The bytes row's chunk: big enough that copying, not per-item bookkeeping, is what the row measures. */
export const CHUNK = 64 * 1024

export interface Chunk {
  i: number
  data: Uint8Array
}

/** A fresh buffer per item, as a file reader or a socket hands them out; the raw producer allocates alike. */
export const chunk = (i: number): Chunk => ({ i, data: new Uint8Array(CHUNK) })

/** Throughput in bytes: `n` chunks of 64 KiB; returns `n`. */
export async function* bytes(n: number): AsyncGenerator<Chunk, number> {
  for (let i = 0; i < n; i++) yield chunk(i)
  return n
}

/**
 * Generators of the open/cancel row that have started and not yet run their `finally`: after the row it must be
 * 0, whatever the mix of cancels, so every cancel reached its generator.
 */
const open = { now: 0, started: 0 }

export const endlessCounts = (): { now: number; started: number } => ({ ...open })

/** Never ends by itself: only a cancel stops it. */
export async function* endless(): AsyncGenerator<number, void> {
  open.now++
  open.started++
  try {
    for (let i = 0; ; i++) yield i
  } finally {
    open.now--
  }
}

/** A plain async call. */
export async function add(a: number, b: number): Promise<number> {
  return a + b
}
