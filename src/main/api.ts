/**
 * The backend. Every function exported here can be called from the renderer as `window.api.<name>(...)`,
 * fully typed (`Client<typeof import('./api')>`): async functions stay async, and `async function*`s become
 * stream handles that the renderer can iterate (the yields), await (the return value) and cancel.
 *
 * This module runs in Electron's main process (src/main/index.ts) and, unchanged, in plain Node for the web
 * mode (scripts/web-server.ts). So it imports Node built-ins and sluice, never `electron`.
 *
 * Only exported *functions* are callable. Keep helpers unexported, and never take a path from the renderer:
 * the renderer is untrusted, so search() takes the name of a root, not a directory.
 */
import type { Dirent } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { extname, join, relative } from 'node:path'
import { getContext, type HostStats } from 'sluice/main'
import { runtime } from './runtime'

// ---------------------------------------------------------------------------------------------------------------
// Bookkeeping: how many of each stream started and how many ran their `finally`, for the UI and the tests.
// ---------------------------------------------------------------------------------------------------------------

type StreamName = 'processFiles' | 'search' | 'tokens' | 'flaky' | 'clock'
const started: Record<StreamName, number> = { processFiles: 0, search: 0, tokens: 0, flaky: 0, clock: 0 }
const finallies: Record<StreamName, number> = { processFiles: 0, search: 0, tokens: 0, flaky: 0, clock: 0 }

/** Resolves after `ms`, or rejects at once when the call is cancelled (the signal aborts mid-await). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Processing the sample files
// ---------------------------------------------------------------------------------------------------------------

export interface FileProgress {
  /** 1-based position of this file in the run. */
  index: number
  total: number
  /** Path relative to the sample folder. */
  file: string
  ok: boolean
  /** What was found ("412 words"), or why it failed. */
  detail: string
  percent: number
}

export interface ProcessSummary {
  ok: number
  failed: number
  files: number
  ms: number
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string) => {
    // readdir, not opendir: Electron's asar support covers readdir, so this also works in a packaged app.
    const entries: Dirent[] = await readdir(d, { withFileTypes: true })
    entries.sort((a, b) => a.name.localeCompare(b.name))
    for (const entry of entries) {
      const full = join(d, entry.name)
      if (entry.isDirectory()) await walk(full)
      else if (entry.isFile()) out.push(full)
    }
  }
  await walk(dir)
  return out
}

async function processOne(path: string): Promise<string> {
  const text = await readFile(path, 'utf8')
  switch (extname(path)) {
    case '.json': {
      const value: unknown = JSON.parse(text)
      const size = Array.isArray(value) ? value.length : Object.keys(value as object).length
      return `valid JSON, ${size} top-level entr${size === 1 ? 'y' : 'ies'}`
    }
    case '.csv': {
      const rows = text.trim().split('\n').length - 1
      return `${rows} rows`
    }
    default:
      return `${text.split(/\s+/).filter(Boolean).length} words`
  }
}

/** The files of the sample folder, for the UI to show before a run. */
export async function listSamples(): Promise<{ file: string; size: number }[]> {
  const files = await listFiles(runtime.sampleDir)
  return Promise.all(files.map(async (f) => ({ file: relative(runtime.sampleDir, f), size: (await stat(f)).size })))
}

/**
 * Reads and checks every file of the sample folder, yielding one progress record per file and returning the
 * `{ ok, failed }` summary. `delayMs` stands in for real work per file, so progress is visible; it stops at
 * once on cancel, because the sleep listens to the call's signal.
 */
export async function* processFiles(options: { delayMs?: number } = {}): AsyncGenerator<FileProgress, ProcessSummary> {
  const { signal } = getContext()
  const delayMs = Math.min(Math.max(options.delayMs ?? 120, 0), 5000)
  const t0 = performance.now()
  started.processFiles++
  try {
    const files = await listFiles(runtime.sampleDir)
    let ok = 0
    let failed = 0
    for (const [i, path] of files.entries()) {
      await sleep(delayMs, signal)
      let detail: string
      let good = true
      try {
        detail = await processOne(path)
        ok++
      } catch (e) {
        good = false
        failed++
        detail = e instanceof Error ? e.message : String(e)
      }
      yield { index: i + 1, total: files.length, file: relative(runtime.sampleDir, path), ok: good, detail, percent: Math.round(((i + 1) / files.length) * 100) }
    }
    return { ok, failed, files: files.length, ms: Math.round(performance.now() - t0) }
  } finally {
    finallies.processFiles++
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Recursive file search
// ---------------------------------------------------------------------------------------------------------------

export type SearchRoot = 'sample' | 'app'

export interface SearchMatch {
  /** Relative to the root searched. */
  path: string
  size: number
}

export interface SearchSummary {
  matches: number
  /** Directory entries looked at. */
  scanned: number
  /** True when the search stopped at `limit`. */
  truncated: boolean
  ms: number
}

/**
 * Walks a folder tree, yielding every file whose name contains `query` (case-insensitive), until `limit`
 * matches (at most 500) or until the renderer cancels. A renderer that stops reading pauses the walk: the
 * generator waits at its `yield` for credit.
 */
export async function* search(query: string, root: SearchRoot = 'app', limit = 500): AsyncGenerator<SearchMatch, SearchSummary> {
  if (typeof query !== 'string' || query.trim().length === 0 || query.length > 100) {
    throw new TypeError('search: the query must be 1 to 100 characters')
  }
  if (root !== 'sample' && root !== 'app') throw new TypeError(`search: unknown root '${String(root)}'`)
  const { signal } = getContext()
  const max = Math.min(Math.max(Math.floor(limit), 1), 500)
  const base = root === 'sample' ? runtime.sampleDir : runtime.appDir
  const needle = query.trim().toLowerCase()
  const t0 = performance.now()
  let matches = 0
  let scanned = 0
  started.search++
  try {
    const dirs = [base]
    while (dirs.length > 0) {
      if (signal.aborted) break
      const dir = dirs.shift()!
      let entries: Dirent[]
      try {
        entries = await readdir(dir, { withFileTypes: true })
      } catch {
        continue // unreadable: skip it, as `find` would
      }
      for (const entry of entries) {
        scanned++
        const full = join(dir, entry.name)
        if (entry.isDirectory()) {
          if (entry.name !== '.git') dirs.push(full)
        } else if (entry.name.toLowerCase().includes(needle)) {
          const size = await stat(full).then((s) => s.size, () => 0)
          yield { path: relative(base, full), size }
          if (++matches >= max) return { matches, scanned, truncated: true, ms: Math.round(performance.now() - t0) }
        }
      }
    }
    return { matches, scanned, truncated: false, ms: Math.round(performance.now() - t0) }
  } finally {
    finallies.search++
  }
}

// ---------------------------------------------------------------------------------------------------------------
// An LLM-style token stream
// ---------------------------------------------------------------------------------------------------------------

export interface TokenSummary {
  tokens: number
  ms: number
}

const VOCABULARY = (
  'the a sluice gate opens and water flows through the channel while the keeper counts every drop ' +
  'streams of tokens arrive faster than any screen can paint so the page gathers them and draws once per frame ' +
  'flow control means the producer waits when the consumer falls behind and nothing piles up in memory'
).split(' ')

/**
 * Streams `count` word tokens at about `tokensPerSecond` (default 20 000), like a language model's output.
 * The renderer should draw per animation frame, not per token.
 */
export async function* tokens(count = 20_000, tokensPerSecond = 20_000): AsyncGenerator<string, TokenSummary> {
  const { signal } = getContext()
  const total = Math.min(Math.max(Math.floor(count), 0), 1_000_000)
  const rate = Math.min(Math.max(tokensPerSecond, 100), 1_000_000)
  const t0 = performance.now()
  let seed = 42
  started.tokens++
  try {
    for (let i = 0; i < total; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      const word = VOCABULARY[seed % VOCABULARY.length]!
      yield i % 23 === 22 ? `${word}.\n` : i % 7 === 6 ? `${word}, ` : `${word} `
      // Pace to the requested rate: when ahead of schedule, sleep off the difference (in 64-token steps).
      if (i % 64 === 63) {
        const ahead = (i + 1) / rate - (performance.now() - t0) / 1000
        if (ahead > 0.002) await sleep(ahead * 1000, signal)
      }
    }
    return { tokens: total, ms: Math.round(performance.now() - t0) }
  } finally {
    finallies.tokens++
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Errors, and the About window's live stream
// ---------------------------------------------------------------------------------------------------------------

/** Yields two steps, then fails: the renderer shows both steps and then the error. */
export async function* flaky(): AsyncGenerator<string, void> {
  const { signal } = getContext()
  started.flaky++
  try {
    yield 'Fetched the index'
    await sleep(150, signal)
    yield 'Parsed 2 of 3 chunks'
    await sleep(150, signal)
    throw Object.assign(new Error('The third chunk is corrupt (a simulated failure after two yields)'), { code: 'E_CHUNK' })
  } finally {
    finallies.flaky++
  }
}

export interface Pulse {
  now: Date
  uptimeS: number
  rssMB: number
  heapMB: number
  /** Open connections and live streams on the host, everyone's. */
  connections: number
  streams: number
}

/** A live feed for the About window, every `intervalMs` until the window closes (which cancels it). */
export async function* clock(intervalMs = 250): AsyncGenerator<Pulse, never> {
  const { signal } = getContext()
  const every = Math.min(Math.max(intervalMs, 50), 10_000)
  started.clock++
  try {
    for (;;) {
      const mem = process.memoryUsage()
      const host = runtime.stats()
      yield {
        now: new Date(),
        uptimeS: Math.round(process.uptime()),
        rssMB: Math.round(mem.rss / 2 ** 20),
        heapMB: Math.round(mem.heapUsed / 2 ** 20),
        connections: host?.connections ?? 0,
        streams: host?.streams ?? 0,
      }
      await sleep(every, signal)
    }
  } finally {
    finallies.clock++
  }
}

/** What the About window shows. */
export async function appInfo() {
  return {
    name: 'sluice starter',
    mode: runtime.mode,
    versions: { node: process.versions.node, electron: process.versions.electron, chrome: process.versions.chrome },
    platform: `${process.platform} ${process.arch}`,
    peer: getContext().peer,
  }
}

/**
 * The host's live stats and each stream's start and `finally` counts. The UI's footer shows it; the end-to-end
 * tests read it to check that cancelled and orphaned generators really ended. Remove it if you would rather
 * not show a renderer how many windows are open.
 */
export async function debugStats(): Promise<{
  host: HostStats | undefined
  started: Record<StreamName, number>
  finallies: Record<StreamName, number>
}> {
  return { host: runtime.stats(), started: { ...started }, finallies: { ...finallies } }
}
