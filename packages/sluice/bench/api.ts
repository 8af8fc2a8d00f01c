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

/** A plain async call. */
export async function add(a: number, b: number): Promise<number> {
  return a + b
}
