/**
 * `npm run bench:fuzz`: the property fuzz of test/reliability/fuzz.test.ts at scale. It sends at least 1M
 * hostile frames (FUZZ_FRAMES to change) to a host in the strict lane (a Worker that dies on an unhandled
 * rejection), one fresh connection per sequence, and checks every FUZZ_CHECK_EVERY sequences that the host is
 * alive, called no tripwire, left the built-in prototypes alone, and still serves a bystander. It prints
 * frames/s, and the host's heap before and after.
 *
 * FUZZ_SEED picks the sequences; a failure prints the seed and the index of the sequence that exposed it.
 * Runs from the .ts sources through tsx (the host Worker registers tsx), so absolute rates include tsx's
 * keepNames wrappers; compare runs with each other, not with `npm run bench`.
 */
import fc from 'fast-check'
import { framesIn, longSequence } from '../test/__shared__/fuzz-frames.js'
import { attack } from '../test/__shared__/fuzz-run.js'
import { strictLane } from '../test/__shared__/strict-lane.js'

const TARGET = Number(process.env.FUZZ_FRAMES ?? 1_000_000)
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)
const CHECK_EVERY = Number(process.env.FUZZ_CHECK_EVERY ?? 25)
const BATCH = 50
const MB = 1024 * 1024

async function main(): Promise<void> {
  await using lane = await strictLane()
  const bystander = lane.client()
  const check = async (label: string) => {
    await lane.alive()
    const got = await bystander.add(40, 2)
    if (got !== 42) throw new Error(`${label}: the bystander got ${String(got)} for add(40, 2)`)
    const { tripped } = await lane.probe()
    if (tripped.length > 0) throw new Error(`${label}: tripwires called: ${tripped.join(', ')}`)
    const changes = await lane.integrity()
    if (changes.length > 0) throw new Error(`${label}: built-in prototypes changed: ${changes.join(', ')}`)
  }
  await check('before the fuzz')
  const heapBefore = await lane.heap()
  console.log(`bench:fuzz: seed ${SEED}, target ${TARGET.toLocaleString('en')} frames, checks every ${CHECK_EVERY} sequences`)

  let frames = 0
  let sequences = 0
  let generating = 0
  const started = performance.now()
  let lastReport = started
  for (let batch = 0; frames < TARGET; batch++) {
    const t0 = performance.now()
    const sample = fc.sample(longSequence, { numRuns: BATCH, seed: SEED + batch })
    generating += performance.now() - t0
    for (const [i, envelopes] of sample.entries()) {
      const label = `seed ${SEED + batch}, sequence ${i}`
      await attack(lane, envelopes).catch((e: Error) => {
        throw new Error(`${label}: ${e.message}`)
      })
      frames += framesIn(envelopes)
      if (++sequences % CHECK_EVERY === 0) await check(label)
    }
    const now = performance.now()
    if (now - lastReport > 5000) {
      lastReport = now
      console.log(`  ${frames.toLocaleString('en')} frames, ${Math.round(frames / ((now - started) / 1000)).toLocaleString('en')} frames/s`)
    }
  }
  await check('after the fuzz')
  const seconds = (performance.now() - started) / 1000
  const stats = await lane.stats()
  const heapAfter = await lane.heap()
  console.log(
    [
      `bench:fuzz: ${frames.toLocaleString('en')} frames in ${sequences.toLocaleString('en')} sequences, ${seconds.toFixed(1)} s`,
      `  ${Math.round(frames / seconds).toLocaleString('en')} frames/s end to end (${Math.round((100 * generating) / 1000 / seconds)}% of the time generating frames)`,
      `  host heap ${(heapBefore / MB).toFixed(1)} MB before, ${(heapAfter / MB).toFixed(1)} MB after; connections still tracked: ${stats.peers.length}`,
      '  host alive, no tripwire called, built-in prototypes unchanged, bystander served',
    ].join('\n'),
  )
}

main().catch((e: unknown) => {
  console.error(`bench:fuzz FAILED: ${e instanceof Error ? e.message : String(e)}`)
  process.exitCode = 1
})
