/**
 * The whole Electron handshake with the real code on every side: serve() in "main", the real preload module
 * (sluice/preload, with `electron` replaced by the renderer half of the fake), and connect() in the page.
 * Each simulated document loads its own copy of the preload module, as each real document runs its preload
 * afresh. Ports are real worker_threads ports; only the Electron surface is fake.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getContext, type Host, serve } from '../src/main/index.js'
import { type Client, close, connect } from '../src/renderer/index.js'
import { SLUICE_CHANNELS } from '../src/shared/protocol.js'
import { type FakeDocument, FakeElectron, type FakeWindow } from './fakes/electron.js'

const counters = { finallies: 0 }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
}

class QuotaError extends Error {
  override name = 'QuotaError'
}

const api = {
  async add(a: number, b: number) {
    return a + b
  },
  async whereAmI() {
    return (getContext().peer as { url?: string }).url
  },
  async when() {
    return new Date(Date.UTC(2030, 0, 2))
  },
  async point() {
    return new Point(3, 4)
  },
  async *count(n: number) {
    for (let i = 0; i < n; i++) yield i
    return `counted ${n}`
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
  async *failAfterTwo() {
    yield 1
    yield 2
    throw new QuotaError('out of quota after two')
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

/** Runs the real sluice/preload for `doc`, as Electron would: its own module instance, its own `electron`. */
async function runPreload(doc: FakeDocument) {
  vi.resetModules()
  vi.doMock('electron', () => ({ ipcRenderer: doc.ipcRenderer, contextBridge: doc.contextBridge }))
  vi.stubGlobal('window', doc.window)
  return import('../src/preload/index.js')
}

let electron: FakeElectron
let host: Host<Api> | undefined
const logs: string[] = []

function startMain(): Host<Api> {
  host = serve(api, { electron, log: (m) => logs.push(m), allowOrigins: ['file://'] })
  return host
}

beforeEach(() => {
  electron = new FakeElectron()
  counters.finallies = 0
  logs.length = 0
})

afterEach(async () => {
  host?.close()
  if (host) await waitFor(() => host!.stats().peers.length === 0, 'the host to drain')
  host = undefined
  vi.unstubAllGlobals()
  vi.doUnmock('electron')
})

describe('exposeBridge() + connect()', () => {
  it('marks the page as bridged and connects it; calls made before the port arrives wait and then run in order', async () => {
    startMain()
    const doc = electron.createWindow('file:///app/index.html').mainFrame.document!
    const preload = await runPreload(doc)
    preload.exposeBridge()
    expect(doc.window.sluiceBridge).toEqual({ version: 1 })

    const api = connect<Api>({ window: doc.window })
    // Made synchronously, before any port exists.
    const results = Promise.all([api.add(1, 2), api.add(3, 4), api.whereAmI()])
    expect(await results).toEqual([3, 7, 'file:///app/index.html'])
    const got: number[] = []
    const s = api.count(3)
    for await (const x of s) got.push(x)
    expect(got).toEqual([0, 1, 2])
    expect(await s).toBe('counted 3')
  })

  it('returns the same client for the same page, and a new one after close', async () => {
    startMain()
    const doc = electron.createWindow('file:///a.html').mainFrame.document!
    ;(await runPreload(doc)).exposeBridge()
    const a = connect<Api>({ window: doc.window })
    expect(connect<Api>({ window: doc.window })).toBe(a)
    expect(await a.add(1, 1)).toBe(2)
    close(a)
    const b = connect<Api>({ window: doc.window })
    expect(b).not.toBe(a)
    expect(await b.add(2, 2)).toBe(4)
  })

  it('keeps saying hello until main listens, so a window created before serve() still connects', async () => {
    const doc = electron.createWindow('file:///a.html').mainFrame.document!
    ;(await runPreload(doc)).exposeBridge()
    const api = connect<Api>({ window: doc.window })
    const answer = api.add(40, 2)
    await sleep(50) // the first hello went nowhere: nobody was listening yet
    startMain()
    expect(await answer).toBe(42)
    expect(doc.ipcRenderer.sent.filter((m) => m.channel === SLUICE_CHANNELS.SLUICE_HELLO_RENDERER_TO_MAIN).length).toBeGreaterThan(1)
    expect(host!.stats().connections).toBe(1)
  })

  it('closes a second port that answers an already answered hello, which ends that peer in main', async () => {
    startMain()
    const doc = electron.createWindow('file:///a.html').mainFrame.document!
    ;(await runPreload(doc)).exposeBridge()
    const api = connect<Api>({ window: doc.window })
    expect(await api.add(1, 1)).toBe(2)
    const request = doc.ipcRenderer.sent[0]!.args[0]
    // Main answers the same request again (as it would a retried hello that crossed the first answer).
    const extra = new electron.MessageChannelMain()
    let closed = false
    extra.port1.on('close', () => (closed = true))
    extra.port1.start()
    doc.frame.postMessage(SLUICE_CHANNELS.SLUICE_PORT_MAIN_TO_RENDERER, { request }, [extra.port2])
    await waitFor(() => closed, 'the duplicate port to be closed by the preload')
    expect(await api.add(2, 2)).toBe(4)
  })

  it("fails the page's calls at once, saying why, when main refuses the page's origin", async () => {
    startMain()
    const doc = electron.createWindow('https://not-the-app.example/').mainFrame.document!
    ;(await runPreload(doc)).exposeBridge()
    const api = connect<Api>({ window: doc.window })
    await expect(api.add(1, 1)).rejects.toMatchObject({
      name: 'DisconnectedError',
      message: expect.stringMatching(/does not serve this origin \(https:\/\/not-the-app\.example\)/),
    })
    expect(logs.join('\n')).toMatch(/refused a port/)
  })

  it('ignores port messages from another window, or with the wrong nonce', async () => {
    startMain()
    const doc = electron.createWindow('file:///a.html').mainFrame.document!
    ;(await runPreload(doc)).exposeBridge()
    const api = connect<Api>({ window: doc.window })
    const answer = api.add(1, 2)
    // An iframe (or any other window) tries to slip the page a port of its own.
    const rogue = new electron.MessageChannelMain()
    let rogueHeard = false
    rogue.port1.on('message', () => (rogueHeard = true))
    rogue.port1.start()
    const [want] = await new Promise<MessageEvent[]>((resolve) => doc.window.addEventListener('message', (e: MessageEvent) => resolve([e]), { once: true }))
    const nonce = (want!.data as { nonce: string }).nonce
    doc.window.postMessageFromElsewhere({ sluice: 'sluice:port', nonce }, [rogue.port2.inner])
    doc.window.postMessage({ sluice: 'sluice:port', nonce: 'not-the-nonce' }, '*', [rogue.port2.inner])
    expect(await answer).toBe(3)
    await sleep(20)
    expect(rogueHeard).toBe(false)
  })

  it('throws a clear error when the page has no bridge', () => {
    const doc = electron.createWindow('file:///a.html').mainFrame.document!
    expect(() => connect<Api>({ window: doc.window })).toThrow(/no sluice bridge in this page: call exposeBridge\(\)/)
  })

  it("a reloaded page runs its preload again, connects afresh, and the old page's streams end in main", async () => {
    startMain()
    const wc = electron.createWindow('file:///a.html')
    ;(await runPreload(wc.mainFrame.document!)).exposeBridge()
    const first = connect<Api>({ window: wc.mainFrame.document!.window })
    const it = first.ticks()[Symbol.asyncIterator]()
    await it.next()
    const doc = await wc.reload()
    await waitFor(() => counters.finallies === 1, 'the old generator to finish')
    ;(await runPreload(doc!)).exposeBridge()
    const second = connect<Api>({ window: doc!.window })
    expect(await second.add(5, 5)).toBe(10)
    expect(host!.stats().connections).toBe(1)
  })
})

describe('exposeApi()', () => {
  async function bridged(): Promise<{ doc: FakeDocument; api: Client<Api>; win: FakeWindow }> {
    startMain()
    const doc = electron.createWindow('file:///a.html').mainFrame.document!
    ;(await runPreload(doc)).exposeApi('api')
    return { doc, api: doc.window.api as Client<Api>, win: doc.window }
  }

  it('gives the page a window.api whose calls are awaitable, with no sluice code in the page', async () => {
    const { api } = await bridged()
    expect(await api.add(2, 3)).toBe(5)
    expect(await api.when()).toEqual(new Date(Date.UTC(2030, 0, 2)))
    // `then` on the api itself is undefined, so awaiting the api object does not hang.
    expect((api as unknown as { then?: unknown }).then).toBeUndefined()
  })

  it('makes stream calls async-iterable and awaitable for their return value', async () => {
    const { api } = await bridged()
    const s = api.count(200)
    const got: number[] = []
    for await (const x of s) got.push(x)
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i))
    expect(await s).toBe('counted 200')
  })

  it("cancels the generator in main on break, and on cancel(), running its finally", async () => {
    const { api } = await bridged()
    for await (const x of api.ticks()) if (x === 3) break
    await waitFor(() => counters.finallies === 1, 'the generator to finish after break')
    const s = api.ticks()
    const it = s[Symbol.asyncIterator]()
    await it.next()
    await s.cancel()
    await waitFor(() => counters.finallies === 2, 'the generator to finish after cancel')
    await waitFor(() => host!.stats().streams === 0, 'no stream left in main')
  })

  it('delivers the yields before an error, then the error by name and message', async () => {
    const { api } = await bridged()
    const got: number[] = []
    const error = await (async () => {
      try {
        for await (const x of api.failAfterTwo()) got.push(x)
      } catch (e) {
        return e as Error
      }
    })()
    expect(got).toEqual([1, 2])
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({ name: 'QuotaError', message: 'out of quota after two' })
  })

  it('loses what the bridge cannot carry: a class instance arrives as a plain object', async () => {
    const { api } = await bridged()
    const p = await api.point()
    expect(p).toEqual({ x: 3, y: 4 })
    expect(p).not.toBeInstanceOf(Point)
  })

  it('puts the real client on window when the worlds are not isolated', async () => {
    startMain()
    const doc = electron.createWindow('file:///a.html').mainFrame.document!
    const preload = await runPreload(doc)
    const proc = process as { contextIsolated?: boolean }
    proc.contextIsolated = false
    try {
      preload.exposeApi('api')
    } finally {
      delete proc.contextIsolated
    }
    const api = doc.window.api as Client<Api>
    expect(await api.add(1, 2)).toBe(3)
  })
})
