/**
 * Files from a hostile page, frame by frame (test/__shared__/raw.ts): bad metadata, more or fewer bytes than
 * declared, oversized or non-binary chunks, pushes past the credit. Each gets a clear error to that peer; the
 * host never throws, and its stats return to zero.
 */
import { MessageChannel } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { createHost } from '../src/main/index.js'
import { rawPeer, until } from './__shared__/raw.js'
import * as api from './fixtures/api.js'

const CHUNK = 256 * 1024

function setup() {
  const errors: unknown[] = []
  const host = createHost(api, { onError: (e) => void errors.push(e) })
  const { port1, port2 } = new MessageChannel()
  host.connect(port1)
  const peer = rawPeer(port2)
  return { host, peer, errors, [Symbol.dispose]: () => (host.close(), port2.close()) }
}

const fileArg = (meta: unknown, ref = 1) => ({ v: [meta], r: [[[0], 'blob', ref]] })
const call = (id: number, method: string, args: unknown) => ({ t: 'call', id, path: [method], args })

afterEach(() => api.reset())

describe('a file from a hostile page', () => {
  it('refuses bad metadata with an error for that call', async () => {
    using s = setup()
    const bad = [null, 'x', { size: -1, type: '' }, { size: 1.5, type: '' }, { size: 3 }, { size: 3, type: 'a'.repeat(5000) }, { size: 3, type: '', name: 7 }, { type: 'no size' }, { size: 3, type: '', dl: 1 }]
    bad.forEach((meta, i) => s.peer.send([call(i + 1, 'fileInfo', fileArg(meta, i + 1))]))
    for (let i = 1; i <= bad.length; i++) {
      const answer = await s.peer.next((f) => f.id === i)
      expect(answer.t).toBe('error')
      expect(answer.error?.message).toMatch(/bad arguments: .*(blob|file)/)
    }
    await until(() => s.host.stats().refs === 0 && s.host.stats().calls === 0, 'nothing left')
  })

  it('an unread file is released when its call ends: the page is told to stop', async () => {
    using s = setup()
    s.peer.send([call(1, 'fileInfo', fileArg({ size: 10 * CHUNK, type: 'x/y', name: 'a', lastModified: 5 }))])
    const result = await s.peer.next((f) => f.t === 'result')
    expect(result.value).toEqual({ v: { name: 'a', type: 'x/y', size: 10 * CHUNK, lastModified: 5 } })
    const end = await s.peer.next((f) => f.t === 'ref-end')
    expect(end).toMatchObject({ ref: 1, cancel: true })
    expect(s.host.stats().refs).toBe(0)
  })

  it('more bytes than declared: a protocol error, the transfer cancelled, the read failed', async () => {
    using s = setup()
    s.peer.send([call(1, 'hashFile', fileArg({ size: 10, type: '' }))])
    const pull = await s.peer.next((f) => f.t === 'ref-pull')
    expect(pull.ref).toBe(1)
    s.peer.send([{ t: 'ref-push', ref: 1, items: [new Uint8Array(6), new Uint8Array(6)] }])
    const perr = await s.peer.next((f) => f.t === 'protocol-error')
    expect(perr.message).toMatch(/more than the 10 bytes it declared/)
    expect(await s.peer.next((f) => f.t === 'ref-end')).toMatchObject({ ref: 1, cancel: true })
    const failed = await s.peer.next((f) => f.id === 1)
    expect(failed.t).toBe('error')
    expect(failed.error?.message).toMatch(/more than the 10 bytes/)
    await until(() => s.host.stats().refs === 0 && s.host.stats().calls === 0, 'nothing left')
  })

  it('fewer bytes than declared: the read fails, and the peer hears why', async () => {
    using s = setup()
    s.peer.send([call(1, 'hashFile', fileArg({ size: 10, type: '' }))])
    await s.peer.next((f) => f.t === 'ref-pull')
    s.peer.send([{ t: 'ref-push', ref: 1, items: [new Uint8Array(4)] }, { t: 'ref-end', ref: 1 }])
    expect((await s.peer.next((f) => f.t === 'protocol-error')).message).toMatch(/after 4 of the 10 bytes/)
    const failed = await s.peer.next((f) => f.id === 1)
    expect(failed.t).toBe('error')
    expect(failed.error?.message).toMatch(/after 4 of the 10 bytes/)
    await until(() => s.host.stats().refs === 0 && s.host.stats().calls === 0, 'nothing left')
  })

  it('refuses oversized chunks, chunks that are not bytes, and pushes past the credit', async () => {
    using s = setup()
    s.peer.send([call(1, 'hashFile', fileArg({ size: 4 * CHUNK, type: '' }))])
    await s.peer.next((f) => f.t === 'ref-pull')
    s.peer.send([{ t: 'ref-push', ref: 1, items: [new Uint8Array(CHUNK + 1)] }])
    expect((await s.peer.next((f) => f.t === 'protocol-error')).message).toMatch(/holds 262145 bytes; the most is 262144/)
    s.peer.send([{ t: 'ref-push', ref: 1, items: ['not bytes'] }])
    expect((await s.peer.next((f) => f.t === 'protocol-error')).message).toMatch(/Uint8Array chunks only/)
    // Never read, so never granted: a push is refused whole.
    s.peer.send([call(2, 'stallFile', { v: [{ size: 100, type: '' }, 0], r: [[[0], 'blob', 2]] }), { t: 'ref-push', ref: 2, items: [new Uint8Array(1)] }])
    expect((await s.peer.next((f) => f.t === 'protocol-error')).message).toMatch(/exceed the credit granted/)
    // The honest rest of file 1 still goes through.
    s.peer.send([{ t: 'ref-push', ref: 1, items: [new Uint8Array(CHUNK), new Uint8Array(CHUNK), new Uint8Array(CHUNK), new Uint8Array(CHUNK)] }, { t: 'ref-end', ref: 1 }])
    const done = await s.peer.next((f) => f.id === 1)
    expect(done.t).toBe('result')
    expect((done.value as { v: { bytes: number } }).v.bytes).toBe(4 * CHUNK)
    s.peer.send([{ t: 'cancel', id: 2 }])
    await until(() => s.host.stats().refs === 0 && s.host.stats().calls === 0, 'nothing left')
  })
})
