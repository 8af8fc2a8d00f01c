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
      ;(globalThis as { gc?: () => void }).gc?.()
      samples.push(process.memoryUsage().rss)
    }
  }
  expect(bytes).toBe(GiB)
  const MiB = (n: number) => n / 2 ** 20
  const settled = samples.slice(2) // skip warm-up (JIT, first allocations)
  const quarter = Math.max(1, Math.floor(settled.length / 4))
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  const range = MiB(Math.max(...settled) - Math.min(...settled))
  const trend = MiB(mean(settled.slice(-quarter)) - mean(settled.slice(0, quarter)))
  console.log(`1 GiB in ${chunks} chunks; RSS after warm-up: range ${range.toFixed(1)} MiB, trend ${trend.toFixed(1)} MiB (in flight at most 64 × 256 KiB = 16 MiB)`)
  // Unbounded buffering would grow by about 1024 MiB; allocator and GC noise stay far below these bounds.
  expect(range).toBeLessThan(256)
  expect(trend).toBeLessThan(64)
  await pair.waitFor((s) => s.refs === 0)
})
