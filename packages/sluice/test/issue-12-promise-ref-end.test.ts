/**
 * Found by the frame fuzzer once it drew `observable` ref slots (issue 12): a hostile peer that answers a
 * promise it passed with `ref-end` instead of `ref-settle` made the table forget the promise without settling
 * it, so a handler awaiting it hung past the disconnect and its connection was never retired.
 */
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { createHost } from '../src/main/index.js'
import { rawPeer } from './__shared__/raw.js'
import * as hostile from './fixtures/hostile-api.js'

describe('a promise the peer ends with ref-end', () => {
  it('rejects the awaiting handler with a ProtocolError, and the closed connection is retired', async () => {
    const host = createHost(hostile)
    const { port1, port2 } = new MessageChannel()
    host.connect(port1)
    const raw = rawPeer(port2)
    raw.send([{ t: 'call', id: 1, path: ['awaitIt'], args: { v: [null], r: [[[0], 'promise', 1]] } }])
    await expect.poll(() => host.stats().refs).toBe(1)
    raw.send([{ t: 'ref-end', ref: 1 }])
    const answer = await raw.next((f) => f.id === 1)
    expect(answer).toMatchObject({ t: 'error', error: { name: 'ProtocolError', message: expect.stringMatching(/ref-end instead of settling/) } })
    raw.close()
    await expect.poll(() => host.stats().peers.length).toBe(0)
    host.close()
  })
})
