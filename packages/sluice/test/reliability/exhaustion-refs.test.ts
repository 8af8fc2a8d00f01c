/**
 * Issue 7, "Exhaustion", the limits on live objects and values: refs, channels, streams passed as values,
 * value size, credit on refs, and unanswered callback calls. For each, 100k attempts past it from one peer,
 * each answered with a clear error, with the host's heap growing by less than 20 MB and a bystander served.
 * The harness is test/__shared__/exhaustion.ts.
 */
import { describe, expect, it } from 'vitest'
import { ATTEMPT_ID, ATTEMPTS, bystanderServed, call, type Case, exhaust, heapUsed, isCallAnswer, isProtocolError, MB, refArg, setup } from '../__shared__/exhaustion.js'
import { dag, rawPeer, until } from '../__shared__/raw.js'
import { hostile } from '../fixtures/hostile-state.js'

const cases: Case[] = [
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

describe('exhaustion: 100k attempts past each limit on live objects and values, from one peer', () => {
  exhaust(cases)

  it('refuses calls to a callback past maxCallbackCalls with a clear error, sending only the calls within it', { timeout: 60_000 }, async () => {
    let refCalls = 0
    using s = setup({ maxCallbackCalls: 4 }, () => undefined, /./)
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
  })
})
