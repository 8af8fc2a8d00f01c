/**
 * The backend. Every function exported here can be called from the renderer as `window.api.<name>(...)`,
 * fully typed (`Client<typeof import('./api')>`): async functions stay async, and `async function*`s become
 * stream handles that the renderer can iterate (the yields), await (the return value) and cancel.
 *
 * This module runs in Electron's main process (src/main/index.ts) and, unchanged, in plain Node for the web
 * mode (scripts/web-server.ts). So it imports Node built-ins and sluice, never `electron`.
 *
 * Only exported *functions* are callable. Keep helpers unexported, and never take a path from the renderer:
 * the renderer is untrusted, so search() takes the name of a root, not a directory, and fileReport() and
 * readSample() take the name of a sample file.
 *
 * The first half is generators (streams of yields). The second, "Beyond generators", uses sluice's other
 * primitives: callbacks, nested promises, ReadableStreams both ways, an async iterable argument, a Channel, a
 * Broadcast, getContext() and Abort, validated() with zod, and typed events (emitted through ./feeds).
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Dirent } from 'node:fs'
import { open, readdir, readFile, stat } from 'node:fs/promises'
import { extname, join, relative } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { Abort, Channel, type ChannelEnd, getContext, type Peer, validated } from 'sluice/main'
import { z } from 'zod'
import { dashboardFeed, type DashboardStats, notify } from './feeds'
import { runtime } from './runtime'

export { checksumFiles, exportHashes, hashUpload, type FileHash } from './files'

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
}

// ---------------------------------------------------------------------------------------------------------------
// Errors, and the About window's live stream
// ---------------------------------------------------------------------------------------------------------------

/** Yields two steps, then fails: the renderer shows both steps and then the error. */
export async function* flaky(): AsyncGenerator<string, void> {
  const { signal } = getContext()
  yield 'Fetched the index'
  await sleep(150, signal)
  yield 'Parsed 2 of 3 chunks'
  await sleep(150, signal)
  throw Object.assign(new Error('The third chunk is corrupt (a simulated failure after two yields)'), { code: 'E_CHUNK' })
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

// ===============================================================================================================
// Beyond generators: callbacks, nested promises, ReadableStreams, iterable arguments, channels, a broadcast,
// the call's context and Abort, validation, and typed events. One small, real use of each.
// ===============================================================================================================

const clamp = (n: number, lo: number, hi: number) => Math.min(Math.max(Number.isFinite(n) ? n : lo, lo), hi)

/**
 * The path of sample file `name` ("notes/lock-keeping.md", as listSamples() names it), or an Abort. The name
 * must be one of the files listSamples() lists: never a path from the renderer, which is untrusted, so
 * "../package.json", absolute paths and symlinks are all refused.
 */
async function sampleFile(name: string): Promise<string> {
  if (typeof name === 'string' && name.length > 0 && name.length <= 200) {
    const path = (await listFiles(runtime.sampleDir)).find((f) => relative(runtime.sampleDir, f) === name)
    if (path !== undefined) return path
  }
  throw Abort({ reason: 'not-a-sample', name: String(name).slice(0, 200) })
}

// ---------------------------------------------------------------------------------------------------------------
// Callbacks: the page passes a function; the host returns one
// ---------------------------------------------------------------------------------------------------------------

/**
 * Calls `onTick(1)`, `onTick(2)`… every `everyMs` until the page calls the unsubscribe function this returns.
 * `onTick` lives in the page: each call is a round trip, so it returns a promise. A tick is skipped while the
 * previous one is unanswered, and when the page goes away (window closed, reloaded) the next call rejects
 * with a DisconnectedError and the timer is cleared: nothing ticks on for a page that is gone.
 */
export async function subscribeTicks(onTick: (n: number) => void, everyMs = 100): Promise<() => Promise<void>> {
  if (typeof onTick !== 'function') throw new TypeError('subscribeTicks: onTick must be a function')
  const every = clamp(everyMs, 20, 5000)
  let n = 0
  let waiting = false
  let stopped = false
  const stop = () => {
    if (stopped) return
    stopped = true
    clearInterval(timer)
  }
  const timer = setInterval(() => {
    if (waiting) return
    waiting = true
    // Typed `=> void` for the page's sake (it passes an ordinary function); here it is a remote call.
    Promise.resolve(onTick(++n) as unknown).then(
      () => (waiting = false),
      // A page that is gone rejects with a DisconnectedError; any failure ends the ticking.
      () => stop(),
    )
  }, every)
  // The page receives this as an async function: calling it runs here.
  return async () => stop()
}

// ---------------------------------------------------------------------------------------------------------------
// Nested promises: the object now, its slow parts later
// ---------------------------------------------------------------------------------------------------------------

export interface FileReport {
  name: string
  bytes: number
  /** Settles later: the page shows name and size first. */
  words: Promise<number>
  /** SHA-256, hex. Settles later still. */
  digest: Promise<string>
}

/**
 * Reports on sample file `name` (a name from listSamples(), never a path). Name and size come back at once;
 * the word count and the SHA-256 digest are promises that settle on their own, later (the delays stand in for
 * slow work, so the page can show them filling in).
 */
export async function fileReport(name: string): Promise<FileReport> {
  const path = await sampleFile(name)
  const { size } = await stat(path)
  const words = delay(400).then(async () => (await readFile(path, 'utf8')).split(/\s+/).filter(Boolean).length)
  const digest = delay(900).then(async () => createHash('sha256').update(await readFile(path)).digest('hex'))
  return { name, bytes: size, words, digest }
}

// ---------------------------------------------------------------------------------------------------------------
// ReadableStreams, both ways
// ---------------------------------------------------------------------------------------------------------------

/** Compresses a stream from the page and streams the gzip bytes back, chunk by chunk, as they are made. */
export function gzip(input: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  if (!(input instanceof ReadableStream)) throw new TypeError('gzip: expected a ReadableStream of bytes')
  // (The cast: TypeScript's DOM types say CompressionStream takes any BufferSource; here it is only ever bytes.)
  return input.pipeThrough(new CompressionStream('gzip') as TransformStream<Uint8Array, Uint8Array>)
}

/**
 * Streams sample file `name` to the page in `chunkBytes` pieces, paced (30 ms a chunk) so the page visibly
 * fills in. The file is opened here and closed when the stream ends, or when the page cancels its reader or
 * goes away (sluice cancels the source: `cancel()` runs).
 */
export async function readSample(name: string, chunkBytes = 256): Promise<ReadableStream<Uint8Array>> {
  const path = await sampleFile(name)
  const size = clamp(Math.floor(chunkBytes), 16, 64 * 1024)
  const file = await open(path)
  let closed = false
  const finish = async () => {
    if (closed) return
    closed = true
    await file.close()
  }
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        await delay(30)
        if (closed) return
        const buffer = new Uint8Array(size)
        const { bytesRead } = await file.read(buffer, 0, size, null)
        if (bytesRead === 0) {
          await finish()
          controller.close()
        } else {
          controller.enqueue(buffer.subarray(0, bytesRead))
        }
      },
      cancel: () => finish(),
    },
    // Read only when the page asks: sluice pulls as the page's reader grants credit.
    { highWaterMark: 0 },
  )
}

// ---------------------------------------------------------------------------------------------------------------
// An async iterable as an argument
// ---------------------------------------------------------------------------------------------------------------

export interface UploadSummary {
  chunks: number
  bytes: number
  ms: number
}

/**
 * Reads the chunks the page's async generator yields, a little slowly (2 ms a chunk, standing in for writing
 * them somewhere), and returns what it read. `onRead`, if given, is told after every chunk, and awaited:
 * the page shows how far the host has got. The page's generator runs at most one credit window (64 chunks)
 * ahead of this loop.
 */
export async function upload(chunks: AsyncIterable<Uint8Array>, onRead?: (chunks: number, bytes: number) => void): Promise<UploadSummary> {
  const { signal } = getContext()
  const t0 = performance.now()
  let count = 0
  let bytes = 0
  for await (const chunk of chunks) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('upload: every chunk must be a Uint8Array')
    count++
    bytes += chunk.byteLength
    await sleep(2, signal)
    if (onRead) await (onRead(count, bytes) as unknown)
  }
  return { chunks: count, bytes, ms: Math.round(performance.now() - t0) }
}

// ---------------------------------------------------------------------------------------------------------------
// A channel: two-way, to one page
// ---------------------------------------------------------------------------------------------------------------

/**
 * A two-way channel: the page sends text, the host answers each message (reversed, in capitals, with the
 * host's time). Sending "/bye" makes the host say goodbye and close the channel from its end.
 */
export function chat(): ChannelEnd<string, string> {
  const channel = new Channel<string, string>()
  channel.listen(async (text) => {
    const message = typeof text === 'string' ? text.slice(0, 500) : ''
    const at = new Date().toLocaleTimeString('en-GB')
    if (message.trim() === '/bye') {
      await channel.send(`${at} · Goodbye!`)
      channel.close()
      return
    }
    await channel.send(`${at} · ${[...message].reverse().join('').toUpperCase()}`)
  })
  return channel.client
}

// ---------------------------------------------------------------------------------------------------------------
// A broadcast: the same live values to every window
// ---------------------------------------------------------------------------------------------------------------

/**
 * Subscribes this window to the live dashboard: the host's numbers, every 500 ms, the same to every window.
 * The channel closes when the page closes it or goes away.
 */
export function dashboard(): ChannelEnd<never, DashboardStats> {
  return dashboardFeed.subscribe()
}

// ---------------------------------------------------------------------------------------------------------------
// The call's context, and Abort
// ---------------------------------------------------------------------------------------------------------------

/** Who is calling, as the host sees it: in Electron the webContents and frame; in web mode, the socket. */
export async function whoAmI(): Promise<Peer> {
  return getContext().peer
}

/** The demo's secret. A real app would check a session, or `getContext().peer` (which window is asking). */
const SECRET_TOKEN = 'open sesame'
const digestOf = (s: string) => createHash('sha256').update(s).digest()

/**
 * An action only for callers with the right token. A wrong token is an expected answer, not a bug: it throws
 * `Abort({ reason: 'unauthorized' })`, and the page receives an AbortError whose `abortValue` says why. A
 * token that is not a string of at most 100 characters is a caller's bug: a TypeError.
 */
export async function secretAction(token: string): Promise<{ granted: true; peer: number; at: Date }> {
  if (typeof token !== 'string' || token.length > 100) {
    throw new TypeError('secretAction: the token must be a string of at most 100 characters')
  }
  if (!timingSafeEqual(digestOf(token), digestOf(SECRET_TOKEN))) throw Abort({ reason: 'unauthorized' })
  return { granted: true, peer: getContext().peer.id, at: new Date() }
}

// ---------------------------------------------------------------------------------------------------------------
// Validation (zod), and a typed event
// ---------------------------------------------------------------------------------------------------------------

export interface Note {
  id: number
  title: string
  body: string
  createdAt: Date
  /** The peer id of the window that created it. */
  by: number
}

const notes: Note[] = []

/**
 * Creates a note. zod checks the argument on the host before the handler runs: invalid input rejects with a
 * ValidationError listing each issue with its path (`['title']`), and the handler never runs. The handler
 * receives the parsed note (title trimmed, body defaulted to ''). Every window hears about it: a `notice`
 * event (AppEvents).
 */
export const createNote = validated(
  z.object({ title: z.string().trim().min(1).max(80), body: z.string().max(2000).default('') }),
  async (input): Promise<Note> => {
    const note: Note = { id: notes.length + 1, title: input.title, body: input.body, createdAt: new Date(), by: getContext().peer.id }
    notes.push(note)
    if (notes.length > 100) notes.shift()
    notify('notice', `Note “${note.title}” created by peer ${note.by}`, note.createdAt)
    return note
  },
)

// ---------------------------------------------------------------------------------------------------------------
// A keyed broadcast: per-symbol quotes, with seqs and gap markers (src/main/quotes.ts)
// ---------------------------------------------------------------------------------------------------------------

export { quotes } from './quotes'
export * from './channel-acks'
// Observables both ways: live search as you type (./observables)
// ---------------------------------------------------------------------------------------------------------------

export { liveSearch } from './observables'
