/**
 * The heavy generator, served off main: in Electron this module runs in a utility process of its own
 * (./hashing-host.ts, wired in ./index.ts), and the page calls it as `window.api.hashing.*` over a port that
 * main brokered once and never touches again. In web mode it runs in the web server's Node process, under the
 * same name. Like api.ts, every exported function is callable from the renderer, and it never imports
 * `electron` (the utility process has no main-only modules).
 *
 * The "file" is generated, not read: `mib` chunks of 1 MiB, each filled from a xorshift32 generator seeded by
 * its index (generatedChunk below), so every run hashes the same bytes and a test can recompute the digest on
 * its own. Generating beats reading here: no disk in the way, the same figures on every machine, and nothing
 * of the size ever sits in memory at once (one 1 MiB buffer, refilled).
 */
import { createHash } from 'node:crypto'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { isMainThread } from 'node:worker_threads'
import { getContext } from 'sluice/main'

const CHUNK_BYTES = 1024 * 1024
/** 4 GiB: long enough to watch, bounded because the page (untrusted) picks the size. */
const MAX_MIB = 4096
/**
 * Runs at once, over every window: each holds a 1 MiB buffer and a core's worth of work, and sluice's own
 * limits (256 streams a connection) would otherwise allow hundreds. Windows share the one host process.
 */
const MAX_RUNS = 4
let runs = 0

export interface HashProgress {
  /** Bytes hashed so far. */
  done: number
  total: number
  /** Throughput since the start, in MiB/s. */
  mbPerSec: number
}

export interface HashResult {
  /** Hex. */
  sha256: string
  bytes: number
  ms: number
}

/**
 * Fills `into` with chunk `index` of the generated file: little-endian 32-bit words of xorshift32 (13, 17, 5),
 * seeded with `(index + 1) * 0x9e3779b9`. Every word is computed, so making the data costs real CPU too.
 */
function generatedChunk(index: number, into: Uint32Array): void {
  let x = Math.imul(index + 1, 0x9e3779b9) >>> 0 || 1
  for (let i = 0; i < into.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    into[i] = x >>> 0
  }
}

/**
 * Generates a file of `mib` MiB (default 256, at most 4096) and hashes it with SHA-256, yielding
 * `{ done, total, mbPerSec }` after every 1 MiB and returning `{ sha256, bytes, ms }`. At most 4 run at once
 * (MAX_RUNS): a fifth is refused with an Error.
 *
 * Each chunk keeps the thread for a few milliseconds, then it waits one turn of the event loop: without that,
 * a generator with credit to spare would run from microtask to microtask and starve the loop, and the cancel
 * (a message on the port) would only be read once the whole file was done. With it, Cancel lands within one
 * chunk: the signal is checked after every turn.
 */
export async function* hashFile(options: { mib?: number } = {}): AsyncGenerator<HashProgress, HashResult> {
  const { signal } = getContext()
  const mib = Math.min(Math.max(Math.floor(Number(options?.mib) || 256), 1), MAX_MIB)
  if (runs >= MAX_RUNS) throw new Error(`hashFile: ${MAX_RUNS} hashes are already running; try again when one ends`)
  runs++
  try {
    const total = mib * CHUNK_BYTES
    const words = new Uint32Array(CHUNK_BYTES / 4)
    const bytes = new Uint8Array(words.buffer)
    const hash = createHash('sha256')
    const t0 = performance.now()
    for (let i = 0; i < mib; i++) {
      await nextTurn()
      signal.throwIfAborted()
      generatedChunk(i, words)
      hash.update(bytes)
      const done = (i + 1) * CHUNK_BYTES
      const seconds = (performance.now() - t0) / 1000
      yield { done, total, mbPerSec: seconds > 0 ? Math.round(done / CHUNK_BYTES / seconds) : 0 }
    }
    return { sha256: hash.digest('hex'), bytes: total, ms: Math.round(performance.now() - t0) }
  } finally {
    runs--
  }
}

/** Where this module is running, for the card to show: its process id and which kind of host it is. */
export async function where(): Promise<{ pid: number; runsIn: 'utility process' | 'worker thread' | 'main thread' }> {
  const type = (process as NodeJS.Process & { type?: string }).type
  return { pid: process.pid, runsIn: type === 'utility' ? 'utility process' : isMainThread ? 'main thread' : 'worker thread' }
}
