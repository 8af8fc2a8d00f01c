/**
 * A 1 GiB ReadableStream crosses threads with flat memory: credit bounds what is in flight, whatever the size.
 * Heavy (it moves a gigabyte through a real MessageChannel), so it runs once, with the host in a Worker.
 */
import { expect, it } from 'vitest'
import { inWorker } from './__shared__/pairs.js'

const GiB = 1 << 30
const CHUNK = 256 * 1024

it('streams 1 GiB host → client with RSS staying flat', { timeout: 120_000 }, async () => {
  await using pair = await inWorker.make()
  const { api } = pair.connect()
  const stream = await api.bytes(GiB, CHUNK)
  const reader = stream.getReader()
  const samples: number[] = []
  let bytes = 0
  let chunks = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    bytes += value.byteLength
    if (++chunks % 256 === 0) {
      // Collect in both threads before sampling, so the samples show what is live, not GC timing.
      await api.collectGarbage()
      ;(globalThis as { gc?: () => void }).gc?.()
      samples.push(process.memoryUsage().rss)
    }
  }
  expect(bytes).toBe(GiB)
  const MiB = (n: number) => n / 2 ** 20
  const settled = samples.slice(1) // skip warm-up (JIT, first allocations)
  const growth = MiB(Math.max(...settled) - settled[0]!)
  console.log(`1 GiB in ${chunks} chunks; RSS samples (MiB): ${settled.map((x) => MiB(x).toFixed(0)).join(' ')}; peak growth ${growth.toFixed(0)} MiB`)
  // Unbounded buffering would grow by about 1024 MiB. With credit, at most 64 × 256 KiB = 16 MiB is in flight;
  // the rest of what RSS shows is allocator and GC slack (measured 10–125 MiB on this machine, under load).
  expect(growth).toBeLessThan(256)
  await pair.waitFor((s) => s.refs === 0)
})
