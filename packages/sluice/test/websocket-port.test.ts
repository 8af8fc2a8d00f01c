/**
 * webSocketPort(): the same protocol over a real WebSocket (`ws` on both ends, over loopback TCP).
 */
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { createHost, getContext, type Host, webSocketPort, type WebSocketPortOptions } from '../src/main/index.js'
import { createClient } from '../src/renderer/index.js'
import { DEFAULT_LIMITS } from '../src/shared/index.js'
import { readUntilFailure } from './__shared__/iterate.js'

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
  async blob(bytes: number, delayMs = 0) {
    if (delayMs > 0) await sleep(delayMs)
    return 'x'.repeat(bytes)
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

async function server(options: WebSocketPortOptions = {}): Promise<Server> {
  const host = createHost(api)
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await new Promise<void>((resolve) => wss.once('listening', resolve))
  const warnings: string[] = []
  const sockets: WebSocket[] = []
  wss.on('connection', (ws) => {
    sockets.push(ws)
    host.connect(webSocketPort(ws, { ...options, onError: (m) => warnings.push(m) }), { transport: 'websocket' })
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

  it('sends binary as base64 text, not as a JSON array of numbers', async () => {
    await using s = await server()
    const ws = new WebSocket(s.url)
    const sent: number[] = []
    const send = ws.send.bind(ws)
    ws.send = ((data: string, ...rest: unknown[]) => (sent.push(data.length), (send as (...a: unknown[]) => void)(data, ...rest))) as typeof ws.send
    const client = createClient<Api>(webSocketPort(ws))
    const bytes = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7919) & 255)
    const back = (await client.echo(bytes)) as Uint8Array
    expect(back).toBeInstanceOf(Uint8Array)
    expect(back).toEqual(bytes)
    // base64 is 4/3 of the bytes; a JSON array of these numbers would be about 3.6 times them.
    expect(Math.max(...sent)).toBeLessThan(1.5 * bytes.byteLength)
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
    await expect(readUntilFailure(it)).rejects.toMatchObject({ name: 'DisconnectedError' })
  })

  it('refuses a message over maxMessageBytes before parsing it, closing the socket with 1009', async () => {
    await using s = await server({ maxMessageBytes: 1024 })
    const ws = new WebSocket(s.url)
    const client = createClient<Api>(webSocketPort(ws))
    expect(await client.echo('x'.repeat(500))).toHaveLength(500)
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    await expect(client.echo('x'.repeat(2000))).rejects.toMatchObject({ name: 'DisconnectedError' })
    expect(await closed).toBe(1009)
    expect(s.warnings.join('\n')).toMatch(/more than 1024 bytes/)
  })

  it('counts bytes, not characters, against the limit', async () => {
    await using s = await server({ maxMessageBytes: 1024 })
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

// A client that stops reading: its TCP socket is paused, so the server's answers can only pile up in the
// server's send buffer. `_socket` is ws's own net.Socket; pausing it is what a page does by never reading.
type RawSocket = { pause(): void; resume(): void }
const rawSocket = (ws: WebSocket) => (ws as unknown as { _socket: RawSocket })._socket
const opened = (ws: WebSocket) => new Promise((resolve) => ws.once('open', resolve))

// A scripted `ws`-shaped socket: the test sets bufferedAmount and runs the send callbacks itself.
function scripted(url?: string) {
  const written: (() => void)[] = []
  const calls: string[] = []
  return {
    url,
    readyState: 1,
    bufferedAmount: 0,
    written,
    calls,
    send(_data: string, cb?: () => void) {
      if (cb) written.push(cb)
    },
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
    terminate: () => calls.push('terminate'),
    close() {},
    addEventListener() {},
    removeEventListener() {},
  }
}

describe('webSocketPort() backpressure', () => {
  it('stops reading from a peer that does not read, so its unread answers stay near highWaterMark', async () => {
    await using s = await server({ highWaterMark: 64 * 1024 })
    const ws = new WebSocket(s.url)
    const client = createClient<Api>(webSocketPort(ws))
    await opened(ws)
    expect(await client.add(1, 1)).toBe(2)
    const served = s.sockets[0]!
    rawSocket(ws).pause()

    // 640 answers of 64 KiB: 40 MiB, far more than the kernel's socket buffers absorb (a few MiB).
    const calls: Promise<string>[] = []
    let maxBuffered = 0
    let paused = false
    for (let i = 0; i < 640; i++) {
      const call = client.blob(64 * 1024)
      call.catch(() => {})
      calls.push(call)
      await sleep(1)
      maxBuffered = Math.max(maxBuffered, served.bufferedAmount)
      paused ||= served.isPaused
    }
    expect(paused).toBe(true)
    // highWaterMark plus the answers to the few calls already read when reading stopped.
    expect(maxBuffered).toBeLessThan(2 * 1024 * 1024)

    // Another client on the same host is served meanwhile.
    const other = new WebSocket(s.url)
    expect(await createClient<Api>(webSocketPort(other)).add(2, 3)).toBe(5)
    other.close()

    // Once the peer reads again, every call it made is answered: pausing lost nothing.
    rawSocket(ws).resume()
    const answers = await Promise.all(calls)
    expect(answers.every((a) => a.length === 64 * 1024)).toBe(true)
    await waitFor(() => !served.isPaused, 'the server to read again')
    expect(s.warnings).toEqual([])
    ws.close()
  })

  it('drops a peer whose unread answers pass maxBufferedBytes, and says why', async () => {
    const maxBufferedBytes = 4 * 1024 * 1024
    await using s = await server({ highWaterMark: 64 * 1024, maxBufferedBytes })
    const ws = new WebSocket(s.url)
    const client = createClient<Api>(webSocketPort(ws))
    await opened(ws)
    expect(await client.add(1, 1)).toBe(2)
    rawSocket(ws).pause()

    // 24 calls in one message are all read before the first answer is sent, so pausing cannot stop them:
    // 24 MiB of answers head for a socket nobody reads. They answer 15 ms apart, so that the host's batching
    // (which gathers what is produced within 10 ms) sends each as its own message.
    const calls = Array.from({ length: 24 }, (_, i) => client.blob(1024 * 1024, 15 * (i + 1)))
    for (const call of calls) call.catch(() => {})
    await waitFor(() => s.warnings.length > 0, 'the server to drop the socket', 10_000)
    expect(s.warnings[0]).toMatch(/over maxBufferedBytes \(4194304\): the peer is not reading; dropping the socket/)
    const buffered = Number(/(\d+) bytes wait unsent/.exec(s.warnings[0]!)![1])
    expect(buffered).toBeLessThan(maxBufferedBytes + 1024 * 1024 + 1024)
    await waitFor(() => s.host.stats().peers.length === 0, 'the peer to be ended')

    const other = new WebSocket(s.url)
    expect(await createClient<Api>(webSocketPort(other)).add(2, 3)).toBe(5)
    other.close()

    rawSocket(ws).resume()
    await expect(calls.at(-1)).rejects.toMatchObject({ name: 'DisconnectedError' })
  })

  it('pauses only a socket a server accepted: two ends that both stopped reading would never drain', () => {
    const accepted = scripted()
    const port = webSocketPort(accepted, { highWaterMark: 1000 })
    accepted.bufferedAmount = 1001
    port.post([{ t: 'cancel', id: 1 }])
    expect(accepted.calls).toEqual(['pause'])
    port.post([{ t: 'cancel', id: 2 }])
    expect(accepted.calls).toEqual(['pause'])
    // Reading resumes only once the buffer is down to half the high-water mark.
    accepted.bufferedAmount = 600
    accepted.written.shift()!()
    expect(accepted.calls).toEqual(['pause'])
    accepted.bufferedAmount = 0
    accepted.written.shift()!()
    expect(accepted.calls).toEqual(['pause', 'resume'])

    const client = scripted('ws://127.0.0.1:1/sluice')
    const clientPort = webSocketPort(client, { highWaterMark: 1000 })
    client.bufferedAmount = 10_000
    clientPort.post([{ t: 'cancel', id: 1 }])
    expect(client.calls).toEqual([])

    const forced = scripted('ws://127.0.0.1:1/sluice')
    const forcedPort = webSocketPort(forced, { highWaterMark: 1000, pauseReading: true })
    forced.bufferedAmount = 10_000
    forcedPort.post([{ t: 'cancel', id: 1 }])
    expect(forced.calls).toEqual(['pause'])
  })

  it('pauses above 1 MiB unsent and drops the socket above 2 × maxMessageBytes by default, as web-mode.md says', () => {
    const accepted = scripted()
    const port = webSocketPort(accepted, { onError: () => {} })
    accepted.bufferedAmount = 1024 * 1024
    port.post([{ t: 'cancel', id: 1 }])
    expect(accepted.calls).toEqual([])
    accepted.bufferedAmount = 1024 * 1024 + 1
    port.post([{ t: 'cancel', id: 2 }])
    expect(accepted.calls).toEqual(['pause'])
    accepted.bufferedAmount = 2 * DEFAULT_LIMITS.maxMessageBytes
    port.post([{ t: 'cancel', id: 3 }])
    expect(accepted.calls).toEqual(['pause'])
    accepted.bufferedAmount = 2 * DEFAULT_LIMITS.maxMessageBytes + 1
    port.post([{ t: 'cancel', id: 4 }])
    expect(accepted.calls).toEqual(['pause', 'terminate'])
  })

  it('refuses thresholds that cannot work', () => {
    const ws = { readyState: 1, bufferedAmount: 0, send() {}, close() {}, addEventListener() {}, removeEventListener() {} }
    expect(() => webSocketPort(ws, { maxBufferedBytes: 0 })).toThrow(/webSocketPort: .*maxBufferedBytes \(0\) > 0/)
    expect(() => webSocketPort(ws, { highWaterMark: Number.NaN })).toThrow(/highWaterMark \(NaN\) must be >= 0/)
  })
})
