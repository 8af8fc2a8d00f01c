/**
 * Issue 7, "Exhaustion": for each limit, one peer fills it, then makes 100k attempts past it. Each attempt
 * gets a clear error (one that names the limit), the host's heap grows by less than 20 MB over the 100k, and
 * a bystander peer on the same host keeps getting right answers.
 *
 * Limits are set small (the override must be honoured) so that reaching them is cheap and the 100k attempts
 * are all past them. Host and peers share this thread so the heap measured is the host's own, after gc().
 * `maxMessageBytes` is not here: it applies where a transport can measure a message before decoding it (the
 * WebSocket adapter), not to a structured-clone port.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { createHost, type Host } from '../../src/main/index.js'
import { createClient, type Client } from '../../src/renderer/index.js'
import type { SluiceLimits } from '../../src/shared/limits.js'
import { dag, rawPeer, until, type WireFrame } from '../__shared__/raw.js'
import * as hostileApi from '../fixtures/hostile-api.js'
import { hostile, resetHostile } from '../fixtures/hostile-state.js'

type Api = typeof hostileApi

const ATTEMPTS = 100_000
const MB = 1024 * 1024
const gc = (globalThis as { gc?: () => void }).gc

async function heapUsed(): Promise<number> {
  if (!gc) throw new Error('run with --expose-gc (vitest.config.ts sets it)')
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((r) => setTimeout(r, 5))
  }
  return process.memoryUsage().heapUsed
}

interface Attacker {
  port: MessagePort
  send(envelope: unknown[]): void
  /** Frames answered so far that `isAnswer` accepted, and the first few it did not. */
  answered: number
  wrong: string[]
}

interface Setup {
  host: Host<Api>
  attacker: Attacker
  bystander: Client<Api>
  dispose(): void
}

const call = (id: number, path: string[], args: unknown) => ({ t: 'call', id, path, args })

function setup(limits: Partial<SluiceLimits>, isAnswer: (f: WireFrame) => boolean | undefined, pattern: RegExp): Setup {
  resetHostile()
  hostileApi.forget()
  const host = createHost(hostileApi, { limits })
  const a = new MessageChannel()
  const b = new MessageChannel()
  host.connect(a.port1)
  host.connect(b.port1)
  const attacker: Attacker = { port: a.port2, send: (e) => a.port2.postMessage(e), answered: 0, wrong: [] }
  rawPeer(a.port2, {
    keep: false,
    onFrame: (f) => {
      const verdict = isAnswer(f)
      if (verdict === undefined) return // not about an attempt
      const message = f.error?.message ?? f.message ?? ''
      if (verdict && pattern.test(message)) attacker.answered++
      else if (attacker.wrong.length < 5) attacker.wrong.push(JSON.stringify(f).slice(0, 300))
    },
  })
  return {
    host,
    attacker,
    bystander: createClient<Api>(b.port2),
    dispose() {
      host.close()
      for (const p of [a.port1, a.port2, b.port1, b.port2]) p.close()
    },
  }
}

/** The bystander's calls and a short stream still answer right, and promptly. */
async function bystanderServed(bystander: Client<Api>): Promise<void> {
  const started = Date.now()
  expect(await bystander.add(40, 2)).toBe(42)
  const items: number[] = []
  for await (const x of bystander.count(100)) items.push(x)
  expect(items).toEqual(Array.from({ length: 100 }, (_, i) => i))
  expect(Date.now() - started).toBeLessThan(2000)
}

/**
 * Sends `ATTEMPTS` attempts, `perEnvelope` to a message, waiting now and then for the answers to catch up so
 * that the queue between the two ends stays short (the heap measured is the host's, not the port's backlog).
 */
async function attempts(s: Setup, frames: (i: number) => unknown[], perEnvelope: number): Promise<void> {
  let sent = 0
  while (sent < ATTEMPTS) {
    const envelope: unknown[] = []
    for (let j = 0; j < perEnvelope && sent < ATTEMPTS; j++) envelope.push(...frames(sent++))
    s.attacker.send(envelope)
    if (sent % 10_000 < perEnvelope || sent === ATTEMPTS) {
      await until(() => s.attacker.answered + s.attacker.wrong.length >= sent || s.attacker.wrong.length >= 5, `answers to ${sent} attempts (got ${s.attacker.answered})`, 20_000)
      if (s.attacker.wrong.length >= 5) break
      if (sent === ATTEMPTS / 2) await bystanderServed(s.bystander)
    }
  }
}

interface Case {
  limit: string
  limits: Partial<SluiceLimits>
  /** Brings the attacker up to the limit. */
  fill(s: Setup): Promise<void>
  /** The frames of attempt `i`. */
  attempt(i: number): unknown[]
  perEnvelope: number
  /** True for an answer to an attempt, false for a frame that should have been one, undefined for others. */
  isAnswer(f: WireFrame): boolean | undefined
  pattern: RegExp
  /** What must hold afterwards, beyond the answers. */
  after?(s: Setup): void
}

const ATTEMPT_ID = 1_000_000
const isCallAnswer = (f: WireFrame) => (typeof f.id === 'number' && f.id >= ATTEMPT_ID ? f.t === 'error' : undefined)
const isProtocolError = (tag?: string) => (f: WireFrame) => (f.t === 'protocol-error' ? tag === undefined || f.frame === tag : undefined)
const refArg = (kind: string, ref: number) => ({ v: [null], r: [[[0], kind, ref]] })

const cases: Case[] = [
  {
    limit: 'maxStreams',
    limits: { maxStreams: 4 },
    async fill(s) {
      s.attacker.send([1, 2, 3, 4].map((id) => call(id, ['count'], { v: [10_000] })))
      await until(() => s.host.stats().streams === 4, 'four open streams')
    },
    attempt: (i) => [call(ATTEMPT_ID + i, ['count'], { v: [10] })],
    perEnvelope: 1000,
    isAnswer: isCallAnswer,
    pattern: /too many open streams|maxStreams/,
  },
  {
    limit: 'maxPendingCalls',
    limits: { maxPendingCalls: 4 },
    async fill(s) {
      s.attacker.send([1, 2, 3, 4].map((id) => call(id, ['lingering'], { v: [] })))
      await until(() => s.host.stats().calls === 4, 'four pending calls')
    },
    attempt: (i) => [call(ATTEMPT_ID + i, ['add'], { v: [1, 2] })],
    perEnvelope: 1000,
    isAnswer: isCallAnswer,
    pattern: /too many pending calls|maxPendingCalls/,
  },
  {
    limit: 'maxFramesPerMessage',
    limits: { maxFramesPerMessage: 4 },
    async fill() {},
    // One message per attempt: five cancels of an unknown call, each harmless alone.
    attempt: () => Array.from({ length: 5 }, () => ({ t: 'cancel', id: 999 })),
    perEnvelope: 1,
    isAnswer: isProtocolError(),
    pattern: /5 frames.*limit is 4|maxFramesPerMessage/,
  },
  {
    limit: 'maxArgs',
    limits: { maxArgs: 4 },
    async fill() {},
    attempt: (i) => [call(ATTEMPT_ID + i, ['many'], { v: [1, 2, 3, 4, 5] })],
    perEnvelope: 1000,
    isAnswer: isCallAnswer,
    pattern: /5 arguments exceed the limit of 4|maxArgs/,
  },
  {
    limit: 'maxPathDepth',
    limits: { maxPathDepth: 3 },
    async fill() {},
    attempt: (i) => [call(ATTEMPT_ID + i, ['ns', 'inner', 'ping', 'deeper'], { v: [] })],
    perEnvelope: 1000,
    isAnswer: isCallAnswer,
    pattern: /path must be 1 to 3|maxPathDepth/,
  },
  {
    limit: 'maxCredit',
    limits: { maxCredit: 256 },
    async fill(s) {
      s.attacker.send([call(1, ['count'], { v: [10_000] })])
      await until(() => s.host.stats().streams === 1, 'one open stream')
    },
    attempt: () => [{ t: 'credit', id: 1, n: 1000 }],
    perEnvelope: 1000,
    isAnswer: isProtocolError('credit'),
    pattern: /credit.*(limit is 256|maxCredit)/,
  },
  {
    limit: 'maxRefs',
    limits: { maxRefs: 8 },
    async fill(s) {
      s.attacker.send([1, 2, 3, 4, 5, 6, 7, 8].map((i) => call(i, ['keep'], refArg('function', i))))
      await until(() => s.host.stats().refs === 8, 'eight live callbacks')
    },
    attempt: (i) => [call(ATTEMPT_ID + i, ['keep'], refArg('function', 100 + i))],
    perEnvelope: 1000,
    isAnswer: isCallAnswer,
    pattern: /maxRefs/,
  },
  {
    limit: 'maxChannels',
    limits: { maxChannels: 4 },
    async fill(s) {
      s.attacker.send([1, 2, 3, 4].map((id) => call(id, ['openChannel'], { v: [] })))
      await until(() => hostile.channelsMade === 4 && s.host.stats().refs >= 4, 'four open channels')
    },
    attempt: (i) => [call(ATTEMPT_ID + i, ['openChannel'], { v: [] })],
    perEnvelope: 1000,
    isAnswer: isCallAnswer,
    pattern: /maxChannels/,
    after() {
      // A channel that could not be sent is closed at once: its onClose ran, and it holds nothing.
      expect(hostile.channelCloses).toBe(hostile.channelsMade - 4)
    },
  },
  {
    limit: 'maxRefStreams',
    limits: { maxRefStreams: 4 },
    async fill(s) {
      s.attacker.send([1, 2, 3, 4].map((i) => call(i, ['sink'], refArg('readable', i))))
      await until(() => s.host.stats().refs === 4, 'four unread streams')
    },
    attempt: (i) => [call(ATTEMPT_ID + i, ['sink'], refArg(i % 2 ? 'readable' : 'iterable', 100 + i))],
    perEnvelope: 1000,
    isAnswer: isCallAnswer,
    pattern: /maxRefStreams/,
  },
  {
    limit: 'maxValueNodes',
    limits: { maxValueNodes: 16 },
    async fill() {},
    // Twenty distinct objects and a 10-level DAG: over the limit however the walk counts.
    attempt: (i) => [call(ATTEMPT_ID + i, ['echo'], { v: [{ list: Array.from({ length: 20 }, () => ({})), dag: dag(10) }] })],
    perEnvelope: 200,
    isAnswer: isCallAnswer,
    pattern: /maxValueNodes/,
  },
  {
    limit: 'ref-push beyond the granted credit',
    limits: {},
    async fill() {},
    // A fresh stream per attempt, never read (so nothing was granted), one item pushed anyway, then ended.
    attempt: (i) => [call(ATTEMPT_ID + i, ['sink'], refArg('readable', 100 + i)), { t: 'ref-push', ref: 100 + i, items: [i] }, { t: 'ref-end', ref: 100 + i }],
    perEnvelope: 300,
    isAnswer: isProtocolError('ref-push'),
    pattern: /credit/,
  },
  {
    limit: 'ref-pull over maxCredit on a channel',
    limits: { maxCredit: 256 },
    async fill() {},
    // A fresh channel per attempt, handed to the host, then a grant far past the limit, then closed.
    attempt: (i) => [call(ATTEMPT_ID + i, ['takeChannel'], refArg('channel', 100 + i)), { t: 'ref-pull', ref: 100 + i, n: 1000 }, { t: 'ref-end', ref: 100 + i }],
    perEnvelope: 300,
    isAnswer: isProtocolError('ref-pull'),
    pattern: /256|maxCredit/,
    after() {
      expect(hostile.takenCloses).toBe(hostile.channelsTaken)
    },
  },
]

describe('exhaustion: 100k attempts past each limit from one peer', () => {
  it.each(cases)('answers each attempt past $limit with a clear error, with bounded heap and a served bystander', async (c) => {
    const s = setup(c.limits, c.isAnswer, c.pattern)
    try {
      await c.fill(s)
      await bystanderServed(s.bystander)
      const before = await heapUsed()
      await attempts(s, c.attempt, c.perEnvelope)
      expect(s.attacker.wrong, 'answers that are not a clear error about the limit').toEqual([])
      expect(s.attacker.answered).toBe(ATTEMPTS)
      const growth = (await heapUsed()) - before
      expect(growth / MB, `heap grew by ${(growth / MB).toFixed(1)} MB`).toBeLessThan(20)
      await bystanderServed(s.bystander)
      c.after?.(s)
    } finally {
      s.dispose()
    }
  }, 60_000)

  it('refuses calls to a callback past maxCallbackCalls with a clear error, sending only the calls within it', { timeout: 60_000 }, async () => {
    let refCalls = 0
    const s = setup({ maxCallbackCalls: 4 }, () => undefined, /./)
    try {
      rawPeer(s.attacker.port, { keep: false, onFrame: (f) => void (f.t === 'ref-call' && refCalls++) })
      const result = rawPeer(s.attacker.port)
      const before = await heapUsed()
      // The page passes a callback and never answers any call to it.
      s.attacker.send([call(1, ['fireCallback'], { v: [null, ATTEMPTS + 4], r: [[[0], 'function', 1]] })])
      const answer = await result.next((f) => f.id === 1, 20_000)
      expect(answer.t).toBe('result')
      const { refused, messages } = (answer.value as { v: { refused: number; messages: string[] } }).v
      expect(refused).toBe(ATTEMPTS)
      expect(messages.length).toBeGreaterThan(0)
      for (const m of messages) expect(m).toMatch(/maxCallbackCalls/)
      await until(() => refCalls >= 4, 'the four calls within the limit')
      await new Promise((r) => setTimeout(r, 20))
      expect(refCalls).toBe(4)
      const growth = (await heapUsed()) - before
      expect(growth / MB, `heap grew by ${(growth / MB).toFixed(1)} MB`).toBeLessThan(20)
      await bystanderServed(s.bystander)
    } finally {
      s.dispose()
    }
  })
})
