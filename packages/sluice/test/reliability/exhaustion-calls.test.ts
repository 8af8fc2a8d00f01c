/**
 * Issue 7, "Exhaustion", the limits on calls and frames: for each, 100k attempts past it from one peer, each
 * answered with a clear error, with the host's heap growing by less than 20 MB and a bystander peer served.
 * The harness is test/__shared__/exhaustion.ts. `maxMessageBytes` is not here: it applies where a transport
 * can measure a message before decoding it (the WebSocket adapter), not to a structured-clone port.
 */
import { describe } from 'vitest'
import { ATTEMPT_ID, call, type Case, exhaust, isCallAnswer, isProtocolError } from '../__shared__/exhaustion.js'
import { until } from '../__shared__/raw.js'

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
    // The stream is the host's first ref on this connection: ref -1.
    attempt: () => [{ t: 'ref-pull', ref: -1, n: 1000 }],
    perEnvelope: 1000,
    isAnswer: isProtocolError('ref-pull'),
    pattern: /ref-pull: more than 256 credits outstanding/,
  },
]

describe('exhaustion: 100k attempts past each limit on calls and frames, from one peer', () => {
  exhaust(cases)
})
