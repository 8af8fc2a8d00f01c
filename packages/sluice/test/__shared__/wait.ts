/** Small waiting helpers the behaviour tests share: unique log keys, sleeps, and polling until a read holds. */

let keys = 0
/** A key no other test (running side by side) uses, for a fixture's per-key log. */
export const key = (what: string): string => `${what}-${++keys}-${Math.random().toString(36).slice(2)}`

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Reads until `ok` holds or `ms` pass, and returns the last value read (the test asserts on it). */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 2000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await read()
    if (ok(v) || Date.now() > end) return v
    await sleep(5)
  }
}
