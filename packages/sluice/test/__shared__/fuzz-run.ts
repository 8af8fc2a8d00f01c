/**
 * One fuzz run: a fresh connection to the strict lane's host, a hostile sequence of envelopes on it, then a
 * barrier call on the same connection, so the run ends only once the host has read every frame (or has
 * closed the connection, which is its right). Shared by test/reliability/fuzz.test.ts and bench/fuzz.ts.
 */
import type { StrictLane } from './strict-lane.js'
import { rawPeer } from './raw.js'

/** Far above the ids the fuzz draws, so the barrier never collides with a fuzzed call. */
const BARRIER_ID = 2 ** 40

export async function attack(lane: StrictLane, envelopes: unknown[], ms = 5000): Promise<void> {
  const port = lane.port()
  let answered: (() => void) | undefined
  const done = new Promise<void>((resolve) => (answered = resolve))
  rawPeer(port, { keep: false, onFrame: (f) => f.id === BARRIER_ID && answered!() })
  port.once('close', () => answered!())
  try {
    for (const e of envelopes) port.postMessage(e)
    port.postMessage([{ t: 'call', id: BARRIER_ID, path: ['add'], args: { v: [20, 22] } }])
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the host did not answer a call after the sequence within ${ms} ms (blocked, or the frames were lost)`)), ms)
    })
    try {
      await Promise.race([done, late, lane.died.then((e) => Promise.reject(e))])
    } finally {
      clearTimeout(timer)
    }
  } finally {
    port.close()
  }
}
