/**
 * serve(): the Electron wiring, against a faithful fake of the Electron surface it uses (test/fakes/electron.ts)
 * and real worker_threads ports. The page side here is bare: it sends the hello and takes the port itself, so
 * these tests pin down main's half of the handshake; electron-preload.test.ts runs the real preload and page.
 */
import type { MessagePort } from 'node:worker_threads'
import { beforeEach, describe, expect, it } from 'vitest'
import { getContext, type Host, serve, type ServeOptions } from '../src/main/index.js'
import { createClient } from '../src/renderer/index.js'
import type { PortReply } from '../src/shared/bridge.js'
import { SLUICE_CHANNELS } from '../src/shared/protocol.js'
import { type FakeDocument, FakeElectron } from './fakes/electron.js'
import { readUntilFailure } from './__shared__/iterate.js'

const counters = { finallies: 0, closes: [] as string[] }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const api = {
  async add(a: number, b: number) {
    return a + b
  },
  async whoami() {
    return getContext().peer
  },
  async *ticks(every = 2) {
    getContext().onClose((reason) => counters.closes.push(reason === undefined ? 'done' : (reason as Error).name))
    try {
      for (let i = 0; ; i++) {
        yield i
        await sleep(every)
      }
    } finally {
      counters.finallies++
    }
  },
  async boom() {
    throw new Error('boom')
  },
}
type Api = typeof api

beforeEach(() => {
  counters.finallies = 0
  counters.closes.length = 0
})

async function waitFor(predicate: () => boolean, what: string, ms = 2000): Promise<void> {
  const until = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

/** The page's half, bare: say hello on the sluice channel and take what main answers. */
function hello(doc: FakeDocument, request = 1): Promise<{ port: MessagePort | undefined; reply: PortReply }> {
  return new Promise((resolve) => {
    doc.ipcRenderer.on(SLUICE_CHANNELS.SLUICE_PORT_MAIN_TO_RENDERER, (event, reply) => resolve({ port: event.ports[0], reply: reply as PortReply }))
    doc.ipcRenderer.send(SLUICE_CHANNELS.SLUICE_HELLO_RENDERER_TO_MAIN, request)
  })
}

async function clientOf(doc: FakeDocument) {
  const { port } = await hello(doc)
  if (port === undefined) throw new Error('no port')
  return createClient<Api>(port)
}

function world(options: Omit<ServeOptions, 'electron'> = {}, electron = new FakeElectron()) {
  const logs: string[] = []
  const host: Host<Api> = serve(api, { log: (m) => logs.push(m), ...options, electron })
  return {
    electron,
    host,
    logs,
    /** Closes the host and waits until every generator has run its finally, so nothing leaks into the next test. */
    async [Symbol.asyncDispose]() {
      host.close()
      await waitFor(() => host.stats().peers.length === 0, 'the host to drain')
    },
  }
}

/** Starts a stream and waits until it has produced, so the host holds a live generator. */
async function liveStream(client: ReturnType<typeof createClient<Api>>) {
  const stream = client.ticks()
  const it = stream[Symbol.asyncIterator]()
  await it.next()
  return { stream, it }
}

describe('serve(): the handshake', () => {
  it("gives a window's page a port and serves its calls over it", async () => {
    await using w = world()
    const doc = w.electron.createWindow('file:///app/out/renderer/index.html').mainFrame.document!
    const { port, reply } = await hello(doc, 7)
    expect(port).toBeDefined()
    expect(reply).toEqual({ request: 7 })
    const client = createClient<Api>(port!)
    expect(await client.add(2, 3)).toBe(5)
    expect(w.host.stats().connections).toBe(1)
  })

  it('tells the handler which window and frame is calling', async () => {
    await using w = world()
    const wc = w.electron.createWindow('file:///app/index.html')
    const client = await clientOf(wc.mainFrame.document!)
    const peer = await client.whoami()
    expect(peer).toMatchObject({
      webContentsId: wc.id,
      processId: wc.mainFrame.processId,
      frameId: wc.mainFrame.routingId,
      frameTreeNodeId: wc.mainFrame.frameTreeNodeId,
      mainFrame: true,
      url: 'file:///app/index.html',
      origin: 'file://',
    })
  })

  it('serves an allowed iframe on its own port, marked as not the main frame', async () => {
    await using w = world({ allowOrigins: ['file://', 'https://widgets.example'] })
    const wc = w.electron.createWindow('file:///app/index.html')
    const frame = wc.addFrame('https://widgets.example/embed')
    const client = await clientOf(frame.document!)
    expect(await client.whoami()).toMatchObject({ mainFrame: false, origin: 'https://widgets.example', webContentsId: wc.id })
  })

  it('refuses a frame whose origin is not allowed: no port, a refusal, and a clear log line', async () => {
    await using w = world()
    const doc = w.electron.createWindow('https://evil.example/page').mainFrame.document!
    const { port, reply } = await hello(doc, 3)
    expect(port).toBeUndefined()
    expect(reply.request).toBe(3)
    expect(reply.refused).toMatch(/does not serve this origin \(https:\/\/evil\.example\)/)
    expect(w.logs).toHaveLength(1)
    expect(w.logs[0]).toMatch(/refused a port to the frame at https:\/\/evil\.example\/page .*not in allowOrigins \(file:\/\/\)/)
    expect(w.host.stats().connections).toBe(0)
  })

  it("allows the dev server's origin from ELECTRON_RENDERER_URL while unpackaged, and not once packaged", async () => {
    const saved = process.env.ELECTRON_RENDERER_URL
    process.env.ELECTRON_RENDERER_URL = 'http://localhost:5173/'
    try {
      {
        await using w = world()
        const { port } = await hello(w.electron.createWindow('http://localhost:5173/index.html').mainFrame.document!)
        expect(port).toBeDefined()
        port!.close()
      }
      {
        const electron = new FakeElectron()
        electron.app.isPackaged = true
        await using w = world({}, electron)
        const { port } = await hello(w.electron.createWindow('http://localhost:5173/index.html').mainFrame.document!)
        expect(port).toBeUndefined()
      }
    } finally {
      if (saved === undefined) delete process.env.ELECTRON_RENDERER_URL
      else process.env.ELECTRON_RENDERER_URL = saved
    }
  })

  it('takes allowOrigins as a list of origins and RegExps, or as a function', async () => {
    {
      await using w = world({ allowOrigins: [/^https:\/\/[a-z]+\.app\.example$/] })
      expect((await hello(w.electron.createWindow('https://ui.app.example/x').mainFrame.document!)).port).toBeDefined()
      expect((await hello(w.electron.createWindow('https://app.example.evil/x').mainFrame.document!)).port).toBeUndefined()
      expect((await hello(w.electron.createWindow('file:///x.html').mainFrame.document!)).port).toBeUndefined()
    }
    {
      await using w = world({ allowOrigins: ({ url }) => url.endsWith('/ok.html') })
      expect((await hello(w.electron.createWindow('https://a.example/ok.html').mainFrame.document!)).port).toBeDefined()
      expect((await hello(w.electron.createWindow('https://a.example/no.html').mainFrame.document!)).port).toBeUndefined()
    }
  })

  it('ignores a hello whose frame is already gone', async () => {
    await using w = world()
    const wc = w.electron.createWindow('file:///a.html')
    const doc = wc.mainFrame.document!
    doc.ipcRenderer.send(SLUICE_CHANNELS.SLUICE_HELLO_RENDERER_TO_MAIN, 1)
    doc.unload() // the document dies while its hello is in flight: senderFrame is null when main reads it
    await sleep(20)
    expect(w.host.stats().connections).toBe(0)
    expect(w.logs.join('\n')).toMatch(/already gone/)
  })

  it('sends error stacks while the app is unpackaged, and not once packaged', async () => {
    {
      await using w = world()
      const client = await clientOf(w.electron.createWindow('file:///a.html').mainFrame.document!)
      const e = (await client.boom().then(() => undefined, (x: unknown) => x)) as Error
      expect(e.message).toBe('boom')
      expect(e.stack).toMatch(/electron-serve\.test\.ts/)
    }
    {
      const electron = new FakeElectron()
      electron.app.isPackaged = true
      await using w = world({}, electron)
      const client = await clientOf(w.electron.createWindow('file:///a.html').mainFrame.document!)
      const e = (await client.boom().then(() => undefined, (x: unknown) => x)) as Error
      expect(e.message).toBe('boom')
      expect(e.stack ?? '').not.toMatch(/electron-serve\.test\.ts/)
    }
  })

  it('stops answering hellos once the host is closed', async () => {
    const w = world()
    w.host.close()
    expect(w.electron.ipcMain.listenerCount(SLUICE_CHANNELS.SLUICE_HELLO_RENDERER_TO_MAIN)).toBe(0)
  })

  it("refuses to guess outside Electron's main process when not given options.electron", () => {
    expect(() => serve(api)).toThrow(/must run in Electron's main process \(or be given options\.electron\)/)
  })
})

describe('serve(): teardown', () => {
  it("ends the peer when the page's port closes", async () => {
    await using w = world()
    const doc = w.electron.createWindow('file:///a.html').mainFrame.document!
    const { port } = await hello(doc)
    const client = createClient<Api>(port!)
    await liveStream(client)
    port!.close()
    await waitFor(() => counters.finallies === 1, 'the generator to finish')
    await waitFor(() => w.host.stats().peers.length === 0, 'the peer to go')
    expect(counters.closes).toEqual(['DisconnectedError'])
  })

  it("ends the peer when the webContents is destroyed, even if no port 'close' ever comes", async () => {
    await using w = world()
    const wc = w.electron.createWindow('file:///a.html')
    const client = await clientOf(wc.mainFrame.document!)
    const { it: iterator } = await liveStream(client)
    wc.destroy({ closePorts: false })
    await waitFor(() => counters.finallies === 1, 'the generator to finish')
    expect(w.host.stats()).toMatchObject({ connections: 0, streams: 0 })
    // Main closed its end, so the page learns too.
    await expect(readUntilFailure(iterator)).rejects.toMatchObject({ name: 'DisconnectedError' })
  })

  it('ends the peer when the renderer process is gone, even if no port close comes', async () => {
    await using w = world()
    const wc = w.electron.createWindow('file:///a.html')
    const client = await clientOf(wc.mainFrame.document!)
    await liveStream(client)
    wc.crash({ closePorts: false })
    await waitFor(() => counters.finallies === 1, 'the generator to finish')
    expect(w.host.stats()).toMatchObject({ connections: 0, streams: 0 })
  })

  it('ends the peer when the main frame commits a new document, even if no port close comes', async () => {
    await using w = world()
    const wc = w.electron.createWindow('file:///a.html')
    const client = await clientOf(wc.mainFrame.document!)
    await liveStream(client)
    await wc.navigate('file:///b.html', { closeOldPorts: false })
    await waitFor(() => counters.finallies === 1, 'the generator to finish')
    expect(w.host.stats()).toMatchObject({ connections: 0, streams: 0 })
  })

  it('keeps the peer when a navigation starts but never commits (cancelled in will-navigate, a download, a 204)', async () => {
    await using w = world()
    const wc = w.electron.createWindow('file:///a.html')
    const client = await clientOf(wc.mainFrame.document!)
    await liveStream(client)
    await wc.navigate('https://elsewhere.example/', { commit: false })
    await sleep(20)
    expect(counters.finallies).toBe(0)
    expect(await client.add(1, 1)).toBe(2)
  })

  it('keeps the peer on a same-document navigation (a hash change, pushState)', async () => {
    await using w = world()
    const wc = w.electron.createWindow('file:///a.html')
    const client = await clientOf(wc.mainFrame.document!)
    await wc.navigate('file:///a.html#settings', { sameDocument: true })
    expect(await client.add(1, 2)).toBe(3)
    expect(w.host.stats().connections).toBe(1)
  })

  it("keeps the new document's peer when its hello reaches main before the commit event", async () => {
    await using w = world()
    const wc = w.electron.createWindow('file:///a.html')
    const oldClient = await clientOf(wc.mainFrame.document!)
    await liveStream(oldClient)
    let fresh: ReturnType<typeof createClient<Api>> | undefined
    await wc.navigate('file:///b.html', {
      closeOldPorts: false,
      beforeCommit: async (doc) => {
        fresh = await clientOf(doc)
        expect(await fresh.add(1, 1)).toBe(2)
      },
    })
    await waitFor(() => counters.finallies === 1, 'the old generator to finish')
    expect(await fresh!.add(2, 2)).toBe(4)
    expect(w.host.stats().connections).toBe(1)
  })

  it('tears down exactly once however many of the signals arrive', async () => {
    await using w = world()
    const wc = w.electron.createWindow('file:///a.html')
    const client = await clientOf(wc.mainFrame.document!)
    await liveStream(client)
    await liveStream(client)
    wc.crash() // render-process-gone, and the port closes
    wc.destroy() // destroyed
    await wc.navigate('file:///c.html') // and a commit, for good measure
    await waitFor(() => counters.finallies === 2, 'both generators to finish')
    await sleep(20)
    expect(counters.finallies).toBe(2)
    expect(counters.closes).toEqual(['DisconnectedError', 'DisconnectedError'])
  })

  it("detaches its listeners from a webContents once that webContents' last peer is gone", async () => {
    await using w = world()
    const wc = w.electron.createWindow('file:///a.html')
    const before = wc.listenerCount('destroyed')
    const { port } = await hello(wc.mainFrame.document!)
    expect(wc.listenerCount('destroyed')).toBe(before + 1)
    expect(wc.listenerCount('did-navigate')).toBe(1)
    port!.close()
    await waitFor(() => wc.listenerCount('destroyed') === before, 'the listeners to go')
    for (const event of ['render-process-gone', 'did-start-navigation', 'did-navigate']) expect(wc.listenerCount(event)).toBe(0)
  })
})

describe('serve(): reloads and many windows', () => {
  it('gives a reloaded page a fresh port that works, and ends the old one', async () => {
    await using w = world()
    const wc = w.electron.createWindow('file:///a.html')
    const client = await clientOf(wc.mainFrame.document!)
    const { it: oldIterator } = await liveStream(client)
    const doc = await wc.reload()
    await waitFor(() => counters.finallies === 1, 'the old generator to finish')
    await expect(readUntilFailure(oldIterator)).rejects.toMatchObject({ name: 'DisconnectedError' })
    const again = await clientOf(doc!)
    expect(await again.add(20, 22)).toBe(42)
    const { it: newIterator } = await liveStream(again)
    expect((await newIterator.next()).done).toBe(false)
    expect(w.host.stats()).toMatchObject({ connections: 1, streams: 1 })
  })

  it('routes two windows independently: closing one leaves the other streaming', async () => {
    await using w = world()
    const one = w.electron.createWindow('file:///a.html')
    const two = w.electron.createWindow('file:///a.html?view=settings')
    const a = await clientOf(one.mainFrame.document!)
    const b = await clientOf(two.mainFrame.document!)
    const { it: ia } = await liveStream(a)
    const { it: ib } = await liveStream(b)
    const whoA = (await a.whoami()) as unknown as { webContentsId: number }
    const whoB = (await b.whoami()) as unknown as { webContentsId: number }
    expect(whoA.webContentsId).toBe(one.id)
    expect(whoB.webContentsId).toBe(two.id)
    expect(w.host.stats().peers.map((p) => p.streams)).toEqual([1, 1])

    two.destroy()
    await waitFor(() => counters.finallies === 1, "the second window's generator to finish")
    await expect(readUntilFailure(ib)).rejects.toMatchObject({ name: 'DisconnectedError' })
    const seen: number[] = []
    for (let i = 0; i < 5; i++) seen.push((await ia.next()).value as number)
    expect(seen).toHaveLength(5)
    expect(w.host.stats()).toMatchObject({ connections: 1, streams: 1 })
    expect(w.host.stats().peers[0]!.peer).toMatchObject({ webContentsId: one.id })
  })

  it('serves two hellos from one page as two independent peers', async () => {
    await using w = world()
    const doc = w.electron.createWindow('file:///a.html').mainFrame.document!
    const a = await clientOf(doc)
    const b = await clientOf(doc)
    expect(await a.add(1, 1)).toBe(2)
    expect(await b.add(2, 2)).toBe(4)
    expect(w.host.stats().connections).toBe(2)
  })
})

describe('serve(): frames and processes, as Electron has them', () => {
  it("a sub-frame navigating (its own did-start-navigation and did-frame-navigate) ends only the sub-frame's peer", async () => {
    await using w = world({ allowOrigins: ['file://'] })
    const wc = w.electron.createWindow('file:///app/index.html')
    const widget = wc.addFrame('file:///app/widget.html')
    const top = await clientOf(wc.mainFrame.document!)
    const inner = await clientOf(widget.document!)
    expect(await inner.whoami()).toMatchObject({ mainFrame: false, frameTreeNodeId: widget.frameTreeNodeId })
    const { it: topStream } = await liveStream(top)
    const events: string[] = []
    wc.on('did-start-navigation', (d: { isMainFrame: boolean }) => events.push(`start:${d.isMainFrame}`))
    wc.on('did-frame-navigate', (_e: unknown, _url: string, _code: number, _status: string, isMainFrame: boolean) => events.push(`frame:${isMainFrame}`))
    wc.on('did-navigate', () => events.push('navigate'))
    await widget.navigate('file:///app/widget-2.html')
    expect(events).toEqual(['start:false', 'frame:false'])
    await waitFor(() => w.host.stats().connections === 1, "the sub-frame's peer to end")
    expect((await topStream.next()).done).toBe(false)
    expect(w.host.stats().peers.find((p) => p.open)!.peer).toMatchObject({ mainFrame: true })
  })

  it('a crash ends the peers of every frame of the page when render-process-gone arrives, which is a posted task', async () => {
    await using w = world()
    const wc = w.electron.createWindow('file:///a.html')
    const sameProcess = wc.addFrame('file:///b.html')
    const outOfProcess = wc.addFrame('file:///c.html', { processId: w.electron.nextId() })
    for (const doc of [wc.mainFrame.document!, sameProcess.document!, outOfProcess.document!]) await liveStream(await clientOf(doc))
    let gone = false
    wc.on('render-process-gone', () => (gone = true))
    wc.crash({ closePorts: false })
    // Electron emits it from a posted task (electron_api_web_contents.cc PrimaryMainFrameRenderProcessGone).
    expect(gone).toBe(false)
    expect(sameProcess.document!.alive).toBe(false)
    expect(outOfProcess.document!.alive).toBe(true)
    await waitFor(() => counters.finallies === 3, 'every generator of the page to finish')
    expect(w.host.stats()).toMatchObject({ connections: 0, streams: 0 })
  })

  it('a port that lands where nobody listens holds its connection until the renderer collects it', async () => {
    await using w = world()
    const doc = w.electron.createWindow('file:///a.html').mainFrame.document!
    doc.ipcRenderer.send(SLUICE_CHANNELS.SLUICE_HELLO_RENDERER_TO_MAIN, 1, 'tok')
    await waitFor(() => w.electron.unclaimed.length === 1, 'the port to land unclaimed')
    expect(w.host.stats().connections).toBe(1)
    w.electron.collectGarbage()
    await waitFor(() => w.host.stats().connections === 0, 'the connection to end once the port is collected')
  })
})
