/**
 * Issue 7, "A reliability suite in CI": a property fuzz of hostile frame sequences against a host in the
 * strict lane (a Worker that dies on an unhandled rejection or an uncaught error). After every sequence:
 * the host is alive, answered the sequence, called no tripwire, left the built-in prototypes alone, and a
 * well-behaved peer on the same host still gets right answers and an unbroken stream. Over the whole run,
 * the host's heap stays bounded and every closed connection is retired.
 *
 * 100k frames here; `npm run bench:fuzz` sends 1M and more. Reproduce a failure with FUZZ_SEED=<seed>.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { framesIn, sequence } from '../__shared__/fuzz-frames.js'
import { attack } from '../__shared__/fuzz-run.js'
import { until } from '../__shared__/raw.js'
import { strictLane } from '../__shared__/strict-lane.js'

const FRAMES = 100_000
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_007)
const MB = 1024 * 1024

describe('property fuzz of hostile frame sequences', () => {
  it('keeps the host alive, clean and serving a bystander, with a bounded heap, over 100k hostile frames', { timeout: 120_000 }, async () => {
    await using lane = await strictLane()
    const bystander = lane.client()
    const stream = bystander.count(10_000)[Symbol.asyncIterator]()
    let expected = 0
    let sum = 0

    const run = async (envelopes: unknown[]) => {
      await attack(lane, envelopes)
      await lane.alive()
      // The bystander's plain calls and its stream carry on, in order, whatever the attacker did.
      expect(await bystander.add(sum, 1)).toBe(sum + 1)
      sum++
      expect(await stream.next()).toEqual({ done: false, value: expected++ })
      const { tripped } = await lane.probe()
      expect(tripped, 'a member that is not an exported function was called').toEqual([])
      expect(await lane.integrity(), 'a built-in prototype changed').toEqual([])
    }

    // Warm up (code paths, the first connections), so the heap baseline is not the cost of starting.
    await fc.assert(fc.asyncProperty(sequence, run), { numRuns: 10, seed: SEED - 1, endOnFailure: true })
    await until(async () => (await lane.stats()).peers.length === 1, 'the warm-up connections to be retired')
    const heapBefore = await lane.heap()

    let frames = 0
    for (let round = 0; frames < FRAMES; round++) {
      await fc.assert(
        fc.asyncProperty(sequence, async (envelopes) => {
          frames += framesIn(envelopes)
          await run(envelopes)
        }),
        // Stop at the first failure: after a crash or a hang every shrink would fail the same way and
        // point nowhere. The seed and path in the report reproduce it.
        { numRuns: 50, seed: SEED + round, endOnFailure: true },
      )
    }
    expect(frames).toBeGreaterThanOrEqual(FRAMES)

    // Every attacker's connection is closed: the host must forget all of them, and hold only the bystander's.
    await until(async () => (await lane.stats()).peers.length === 1, 'every closed attacker connection to be retired').catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify((await lane.stats()).peers.filter((p) => !p.open).slice(0, 3))}`)
    })
    const growth = (await lane.heap()) - heapBefore
    expect(growth / MB, `heap grew by ${(growth / MB).toFixed(1)} MB over ${frames} frames`).toBeLessThan(16)
    await stream.return!()
  })
})
