import type { MessagePort } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { pairs } from './__shared__/pairs.js'

type Frame = { t: string; id?: number; message?: string; error?: { name: string; message: string }; frame?: string }

/** A raw view of what the host sends back on this port, next to the real client. */
function raw(port: MessagePort) {
  const frames: Frame[] = []
  port.addEventListener('message', (e) => {
    const data = (e as unknown as { data: unknown }).data
    if (Array.isArray(data)) frames.push(...(data as Frame[]))
  })
  return {
    frames,
    send: (data: unknown) => port.postMessage(data),
    async next(predicate: (f: Frame) => boolean = () => true, ms = 1000): Promise<Frame> {
      const until = Date.now() + ms
      for (;;) {
        const i = frames.findIndex(predicate)
        if (i >= 0) return frames.splice(i, 1)[0]!
        if (Date.now() > until) throw new Error(`no matching frame; saw ${JSON.stringify(frames)}`)
        await new Promise((r) => setTimeout(r, 2))
      }
    },
  }
}

const call = (id: number, path: unknown, args: unknown = { v: [] }) => [{ t: 'call', id, path, args }]

describe.each(pairs)('untrusted input over $name', (factory) => {
  it('answers malformed messages and frames with a protocol error, and keeps serving', async () => {
    await using pair = await factory.make()
    const warnings: string[] = []
    const peer = pair.connect({ client: { onProtocolError: (m) => warnings.push(m) } })
    const r = raw(peer.port)
    const cases: [unknown, RegExp][] = [
      [{ t: 'call' }, /must be an array of frames/],
      ['hello', /must be an array of frames/],
      [[null], /must be an object with a string tag/],
      [[{ t: 42 }], /must be an object with a string tag/],
      [[{ t: 'launch-missiles' }], /unknown frame tag 'launch-missiles'/],
      [call(0, ['add']), /id must be a positive integer/],
      [call(1.5, ['add']), /id must be a positive integer/],
      [[{ t: 'ref-pull', ref: -1, n: -5 }], /ref-pull: ref, n and b must be integers/],
      [[{ t: 'credit', id: 1, n: 5 }], /unknown frame tag 'credit'/],
      [[{ t: 'cancel', id: 'x' }], /cancel: id must be a positive integer/],
      [Array.from({ length: 5000 }, () => ({ t: 'cancel', id: 1 })), /5000 frames; the limit is 1024/],
    ]
    for (const [message, pattern] of cases) {
      r.send(message)
      const f = await r.next((x) => x.t === 'protocol-error')
      expect(f.message).toMatch(pattern)
    }
    expect(warnings).toHaveLength(cases.length)
    expect(await peer.api.add(1, 1)).toBe(2)
  })

  it('rejects unknown, inherited and non-function names with an error that names them', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    const r = raw(peer.port)
    const names: [string[], RegExp][] = [
      [['nope'], /no method 'api.nope'/],
      [['__proto__'], /no method 'api.__proto__'/],
      [['constructor'], /no method 'api.constructor'/],
      [['toString'], /no method 'api.toString'/],
      [['hasOwnProperty'], /no method 'api.hasOwnProperty'/],
      [['nested', '__proto__', 'toString'], /no method/],
      [['add', 'call'], /no method 'api.add.call'/],
      [['notAFunction'], /'api.notAFunction' is not a function/],
      [[], /path must be 1 to 8 strings/],
      [['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'], /path must be 1 to 8 strings/],
    ]
    let id = 1000
    for (const [path, pattern] of names) {
      r.send(call(++id, path))
      const f = await r.next((x) => x.id === id)
      expect(f.t).toBe('error')
      expect(f.error!.name).toBe('ProtocolError')
      expect(f.error!.message).toMatch(pattern)
    }
    // The typed client reaches the same errors.
    await expect((peer.api as unknown as { nope(): Promise<void> }).nope()).rejects.toMatchObject({
      name: 'ProtocolError',
      message: expect.stringMatching(/no method 'api.nope'/),
    })
  })

  it('rejects wrong argument counts and malformed arguments', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    await expect((peer.api.add as unknown as (...a: number[]) => Promise<number>)(1, 2, 3)).rejects.toThrow(/api.add takes at most 2 arguments, got 3/)
    const r = raw(peer.port)
    r.send(call(77, ['add'], 'not encoded'))
    expect((await r.next((x) => x.id === 77)).error!.message).toMatch(/bad arguments/)
    r.send(call(78, ['add'], { v: 'not an array' }))
    expect((await r.next((x) => x.id === 78)).error!.message).toMatch(/arguments must be an array/)
    r.send(call(79, ['add'], { v: [1, 2], r: [[[0, 'deep'], 'function', 1]] }))
    expect((await r.next((x) => x.id === 79)).error!.message).toMatch(/bad arguments: malformed value: ref path leads nowhere/)
    // A negative ref id names a ref the host made: a client may not claim one.
    r.send(call(80, ['add'], { v: [1, 2], r: [[[0], 'function', -3]] }))
    expect((await r.next((x) => x.id === 80)).error!.message).toMatch(/bad arguments: bad ref id -3/)
    r.send(call(81, ['add'], { v: [1, 2], r: [[[0], 'weird', 3]] }))
    expect((await r.next((x) => x.id === 81)).error!.message).toMatch(/a weird ref is not accepted/)
    r.send(call(82, ['add'], { v: [1, 2], r: [[['__proto__'], 'function', 3]] }))
    expect((await r.next((x) => x.id === 82)).error!.message).toMatch(/bad ref path/)
    expect(await peer.api.add(2, 2)).toBe(4)
  })

  it('ignores credit and cancel for unknown ids, and refuses a reused id', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    const r = raw(peer.port)
    r.send([
      { t: 'ref-pull', ref: -999, n: 5 },
      { t: 'cancel', id: 998 },
    ])
    await new Promise((res) => setTimeout(res, 30))
    expect(r.frames).toEqual([])
    r.send([...call(500, ['slowPlain'], { v: [10_000] }), ...call(500, ['add'], { v: [1, 2] })])
    expect((await r.next((x) => x.t === 'protocol-error')).message).toMatch(/id 500 is already in use/)
    r.send([{ t: 'cancel', id: 500 }])
    await pair.waitFor((s) => s.calls === 0)
  })

  it('survives a storm of random frames, and other peers never notice', async () => {
    await using pair = await factory.make()
    const attacker = pair.connect({ client: { onProtocolError: () => {} } })
    const bystander = pair.connect()
    const stream = bystander.api.count(100_000)[Symbol.asyncIterator]()
    await stream.next()
    const r = raw(attacker.port)
    let seed = 7
    const rand = () => ((seed = (seed * 48271) % 2147483647) / 2147483647)
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!
    const values = [null, undefined, 0, -1, 1.5, 2 ** 60, 'x', '__proto__', [], {}, { v: [] }, { v: 1, m: { bogus: true } }, [['add']], true]
    for (let i = 0; i < 400; i++) {
      const frame: Record<string, unknown> = { t: pick(['call', 'credit', 'cancel', 'ref-call', 'ref-pull', 'yield', 'nonsense']) }
      for (const key of ['id', 'n', 'path', 'args', 'ref', 'call']) if (rand() < 0.6) frame[key] = pick(values)
      r.send(rand() < 0.1 ? pick(values) : [frame])
    }
    await new Promise((res) => setTimeout(res, 100))
    expect(await attacker.api.add(3, 4)).toBe(7)
    for (let i = 1; i < 200; i++) expect((await stream.next()).value).toBe(i)
    await stream.return!()
    await pair.waitFor((s) => s.streams === 0)
  })
})
