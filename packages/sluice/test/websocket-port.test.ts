/**
 * webSocketPort(): the same protocol over a real WebSocket (`ws` on both ends, over loopback TCP).
 */
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { createHost, getContext, type Host, webSocketPort } from '../src/main/index.js'
import { createClient } from '../src/renderer/index.js'

const counters = { finallies: 0 }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const api = {
  async add(a: number, b: number) {
    return a + b
  },
  async echo<T>(value: T): Promise<T> {
    return value
  },
  async *ticks() {
    try {
      for (let i = 0; ; i++) {
        yield i
        await sleep(2)
      }
    } finally {
      counters.finallies++
    }
  },
  async *count(n: number) {
    for (let i = 0; i < n; i++) yield { i, at: new Date(i) }
    return n
  },
  async peerKind() {
    return (getContext().peer as { transport?: string }).transport
  },
}
type Api = typeof api

async function waitFor(predicate: () => boolean, what: string, ms = 3000): Promise<void> {
  const until = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

interface Server extends AsyncDisposable {
  url: string
  host: Host<Api>
  warnings: string[]
  sockets: WebSocket[]
}

async function server(maxMessageBytes?: number): Promise<Server> {
  const host = createHost(api)
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await new Promise<void>((resolve) => wss.once('listening', resolve))
  const warnings: string[] = []
  const sockets: WebSocket[] = []
  wss.on('connection', (ws) => {
    sockets.push(ws)
    host.connect(webSocketPort(ws, { maxMessageBytes, onError: (m) => warnings.push(m) }), { transport: 'websocket' })
  })
  const { port } = wss.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}`,
    host,
    warnings,
    sockets,
    async [Symbol.asyncDispose]() {
      host.close()
      for (const ws of wss.clients) ws.terminate()
      await new Promise((resolve) => wss.close(resolve))
    },
  }
}

afterEach(() => {
  counters.finallies = 0
})

describe('webSocketPort()', () => {
  it('carries calls and streams, with the flow control of any port', async () => {
    await using s = await server()
    const ws = new WebSocket(s.url)
    const client = createClient<Api>(webSocketPort(ws))
    expect(await client.add(1, 2)).toBe(3)
    expect(await client.peerKind()).toBe('websocket')
    const got: number[] = []
    const stream = client.count(300)
    for await (const x of stream) got.push(x.i)
    expect(got).toHaveLength(300)
    expect(await stream).toBe(300)
    ws.close()
  })

  it('queues calls made before the socket opens and sends them, in order, once it does', async () => {
    await using s = await server()
    const ws = new WebSocket(s.url)
    expect(ws.readyState).toBe(WebSocket.CONNECTING)
    const client = createClient<Api>(webSocketPort(ws))
    expect(await Promise.all([client.add(1, 1), client.add(2, 2), client.add(3, 3)])).toEqual([2, 4, 6])
    ws.close()
  })

  it('keeps the types that JSON alone would lose', async () => {
    await using s = await server()
    const ws = new WebSocket(s.url)
    const client = createClient<Api>(webSocketPort(ws))
    const value = {
      when: new Date(Date.UTC(2031, 4, 6)),
      map: new Map<unknown, unknown>([['a', 1], [2, new Set(['x'])]]),
      big: 2n ** 70n,
      nothing: undefined,
      list: [undefined, NaN, -0, Infinity],
      re: /sl(u)ice/gi,
      bytes: new Uint8Array([0, 1, 254, 255]),
      buffer: new Uint8Array([9, 8, 7]).buffer,
    }
    const back = (await client.echo(value)) as typeof value
    expect(back).toEqual(value)
    expect(back.when).toBeInstanceOf(Date)
    expect(back.bytes).toBeInstanceOf(Uint8Array)
    expect(new Uint8Array(back.buffer)).toEqual(new Uint8Array([9, 8, 7]))
    expect(Object.is(back.list[2], -0)).toBe(true)
    expect('nothing' in back).toBe(true)
    ws.close()
  })

  it("ends the peer's streams on the host when the socket closes", async () => {
    await using s = await server()
    const ws = new WebSocket(s.url)
    const client = createClient<Api>(webSocketPort(ws))
    const it = client.ticks()[Symbol.asyncIterator]()
    await it.next()
    expect(s.host.stats().streams).toBe(1)
    ws.close()
    await waitFor(() => counters.finallies === 1, 'the generator to finish')
    await waitFor(() => s.host.stats().peers.length === 0, 'the peer to go')
    await expect(it.next()).rejects.toMatchObject({ name: 'DisconnectedError' })
  })

  it('refuses a message over maxMessageBytes before parsing it, closing the socket with 1009', async () => {
    await using s = await server(1024)
    const ws = new WebSocket(s.url)
    const client = createClient<Api>(webSocketPort(ws))
    expect(await client.echo('x'.repeat(500))).toHaveLength(500)
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    await expect(client.echo('x'.repeat(2000))).rejects.toMatchObject({ name: 'DisconnectedError' })
    expect(await closed).toBe(1009)
    expect(s.warnings.join('\n')).toMatch(/more than 1024 bytes/)
  })

  it('counts bytes, not characters, against the limit', async () => {
    await using s = await server(1024)
    const ws = new WebSocket(s.url)
    const client = createClient<Api>(webSocketPort(ws))
    // 400 characters of 3 UTF-8 bytes each: under 1024 characters, over 1024 bytes.
    await expect(client.echo('€'.repeat(400))).rejects.toMatchObject({ name: 'DisconnectedError' })
  })

  it('answers a message that does not parse with a protocol error, and keeps serving', async () => {
    await using s = await server()
    const ws = new WebSocket(s.url)
    await new Promise((resolve) => ws.once('open', resolve))
    const frames: unknown[] = []
    // Both answers may share one envelope: the host batches whatever it sends in one task.
    ws.on('message', (data) => frames.push(...(JSON.parse(String(data)) as { json: unknown[] }).json))
    ws.send('{ not json')
    ws.send(new Uint8Array([1, 2, 3]))
    await waitFor(() => frames.length === 2, 'two protocol errors')
    for (const f of frames) expect(f).toMatchObject({ t: 'protocol-error', message: expect.stringMatching(/array of frames/) })
    expect(s.warnings.join('\n')).toMatch(/a binary message arrived/)
    // The same socket still serves well-formed calls.
    const client = createClient<Api>(webSocketPort(ws))
    expect(await client.add(2, 2)).toBe(4)
    ws.close()
  })

  it('drops sends after the socket closed, without throwing', async () => {
    await using s = await server()
    const ws = new WebSocket(s.url)
    const port = webSocketPort(ws)
    await new Promise((resolve) => ws.once('open', resolve))
    ws.close()
    await new Promise((resolve) => ws.once('close', resolve))
    expect(() => port.post([{ t: 'cancel', id: 1 }])).not.toThrow()
  })
})
