/**
 * The handshake against what real Electron does and our earlier picture of it missed (issue 9, and the
 * connection cap of issue 7): sandboxed preloads with isolation off, a reply landing in the document that
 * replaced its sender, hellos from dying frames, opaque origins, and a frame saying hello in a loop.
 * The fakes (test/fakes/electron.ts) cite the Electron source behind each of these behaviours.
 */
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type Host, serve, type ServeOptions } from '../src/main/index.js'
import { connect, createClient } from '../src/renderer/index.js'
import type { PortReply } from '../src/shared/bridge.js'
import { SLUICE_CHANNELS } from '../src/shared/protocol.js'
import { DISPOSED, type FakeDocument, FakeElectron, type FakeFrame, ISOLATION_OFF } from './fakes/electron.js'

const HELLO = SLUICE_CHANNELS.SLUICE_HELLO_RENDERER_TO_MAIN
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const api = {
  async add(a: number, b: number) {
    return a + b
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

let electron: FakeElectron
let host: Host<Api> | undefined
const logs: string[] = []

function startMain(options: Omit<ServeOptions, 'electron' | 'log'> = {}): Host<Api> {
  host = serve(api, { electron, log: (m) => logs.push(m), allowOrigins: ['file://'], ...options })
  return host
}

/** Runs the real sluice/preload for `doc` as an unsandboxed preload would: its own module instance. */
async function runPreload(doc: FakeDocument, contextBridge: object = doc.contextBridge) {
  vi.resetModules()
  vi.doMock('electron', () => ({ ipcRenderer: doc.ipcRenderer, contextBridge }))
  vi.stubGlobal('window', doc.window)
  return import('../src/preload/index.js')
}

const bundles = new Map<string, string>()
/** The preload as a sandboxed renderer gets it: one CommonJS file that requires only `electron`. */
async function preloadBundle(call: string): Promise<string> {
  let code = bundles.get(call)
  if (code === undefined) {
    const entry = fileURLToPath(new URL('../src/preload/index.ts', import.meta.url))
    const out = await build({
      stdin: { contents: `import * as preload from ${JSON.stringify(entry)}\npreload.${call}`, resolveDir: process.cwd(), loader: 'ts' },
      bundle: true,
      format: 'cjs',
      platform: 'browser',
      target: 'es2022',
      external: ['electron'],
      write: false,
      logLevel: 'silent',
    })
    code = out.outputFiles[0]!.text
    bundles.set(call, code)
  }
  return code
}

/** A bare hello on the sluice channel, answered straight to the test. */
function hello(doc: FakeDocument, request = 1, token = 'tok'): Promise<{ port: MessagePort | undefined; reply: PortReply }> {
  return new Promise((resolve) => {
    doc.ipcRenderer.on(SLUICE_CHANNELS.SLUICE_PORT_MAIN_TO_RENDERER, (event, reply) => resolve({ port: event.ports[0] as unknown as MessagePort | undefined, reply: reply as PortReply }))
    doc.ipcRenderer.send(HELLO, request, token)
  })
}

beforeEach(() => {
  electron = new FakeElectron()
  logs.length = 0
})

afterEach(async () => {
  host?.close()
  if (host) await waitFor(() => host!.stats().peers.length === 0, 'the host to drain')
  host = undefined
  vi.unstubAllGlobals()
  vi.doUnmock('electron')
})

describe('a sandboxed preload (defect 1: it has no global process)', () => {
  it('bundled, it requires nothing but electron, and connects the page (isolation on, the default)', async () => {
    startMain()
    const doc = electron.createWindow('file:///app/index.html').mainFrame.document!
    doc.runSandboxedPreload(await preloadBundle('exposeBridge()'))
    expect(doc.window.sluiceBridge).toEqual({ version: 1 })
    expect(Object.isFrozen(doc.window.sluiceBridge)).toBe(true)
    expect(await connect<Api>({ window: doc.window }).add(1, 2)).toBe(3)
  })

  it('with contextIsolation off, exposeBridge() reads isolation from the preload wrapper and connects the page', async () => {
    startMain()
    const doc = electron.createWindow('file:///app/index.html', { sandbox: true, contextIsolation: false }).mainFrame.document!
    expect(() => doc.contextBridge.exposeInMainWorld('x', {})).toThrow(ISOLATION_OFF)
    const bundle = await preloadBundle('exposeBridge()')
    expect(() => doc.runSandboxedPreload(bundle)).not.toThrow()
    expect(doc.window.sluiceBridge).toEqual({ version: 1 })
    expect(await connect<Api>({ window: doc.window }).add(2, 3)).toBe(5)
    expect(host!.stats().connections).toBe(1)
  })

  it("with contextIsolation off, exposeApi() gives the page the real client", async () => {
    startMain()
    const doc = electron.createWindow('file:///app/index.html', { sandbox: true, contextIsolation: false }).mainFrame.document!
    doc.runSandboxedPreload(await preloadBundle("exposeApi('api')"))
    const page = doc.window.api as { add(a: number, b: number): Promise<number> }
    expect(await page.add(20, 22)).toBe(42)
  })
})

describe('a reply is adopted only by the document that asked (defect 2)', () => {
  it('a reload during the first hello: the new page ignores the old page\'s reply and connects on its own', async () => {
    startMain()
    const wc = electron.createWindow('file:///a.html')
    // Main's replies wait, so that the reload commits before the old page's reply lands.
    wc.mainFrame.holdReplies = true
    ;(await runPreload(wc.mainFrame.document!)).exposeBridge()
    await waitFor(() => electron.channels.length === 1, "main to answer the old page's hello")
    const doc = await wc.reload({
      beforeCommit: async (fresh) => {
        ;(await runPreload(fresh)).exposeBridge()
        await waitFor(() => electron.channels.length === 2, "main to answer the new page's hello")
      },
    })
    // The frame host was reused: both replies land in the new document, the old one first, and both carry
    // request id 1, since ids restart in every document.
    wc.mainFrame.releaseReplies()
    const page = connect<Api>({ window: doc!.window })
    expect(await page.add(1, 2)).toBe(3)
    await waitFor(() => host!.stats().connections === 1, 'only the new page to stay connected')
    const sent = doc!.ipcRenderer.sent.filter((m) => m.channel === HELLO)
    expect(sent[0]!.args).toEqual([1, expect.stringMatching(/^[0-9a-f]{32}$/)])
  })

  it('echoes the token of the hello in its reply, and in a refusal', async () => {
    startMain()
    const ok = await hello(electron.createWindow('file:///a.html').mainFrame.document!, 4, 'abc')
    expect(ok.reply).toEqual({ request: 4, token: 'abc' })
    const refused = await hello(electron.createWindow('https://evil.example/').mainFrame.document!, 5, 'def')
    expect(refused.reply).toMatchObject({ request: 5, token: 'def', refused: expect.any(String) })
    ok.port?.close()
  })
})

describe('hellos from frames that are dying (defect 3): nothing escapes the ipcMain listener', () => {
  it('refuses a hello sent during unload (senderFrame.detached): no connection, no channel', async () => {
    startMain()
    const doc = electron.createWindow('file:///a.html').mainFrame.document!
    doc.unloadWith(() => doc.ipcRenderer.send(HELLO, 1, 'tok'))
    await waitFor(() => logs.length > 0, 'the refusal to be logged')
    expect(logs[0]).toMatch(/already gone or unloading/)
    expect(electron.channels).toHaveLength(0)
    expect(host!.stats().connections).toBe(0)
  })

  it('survives a disposed senderFrame whose getters throw', () => {
    startMain()
    const wc = electron.createWindow('file:///a.html')
    wc.mainFrame.dispose()
    expect(() => wc.mainFrame.url).toThrow(DISPOSED)
    expect(() => electron.ipcMain.emit(HELLO, { sender: wc, senderFrame: wc.mainFrame }, 1, 'tok')).not.toThrow()
    expect(electron.channels).toHaveLength(0)
    expect(logs.join('\n')).toMatch(/already gone/)
  })

  it('survives a null senderFrame, and a destroyed sender', () => {
    startMain()
    const wc = electron.createWindow('file:///a.html')
    expect(() => electron.ipcMain.emit(HELLO, { sender: wc, senderFrame: null }, 1)).not.toThrow()
    wc.destroy()
    expect(() => electron.ipcMain.emit(HELLO, { sender: wc, senderFrame: wc.mainFrame }, 1)).not.toThrow()
    expect(host!.stats().connections).toBe(0)
  })

  it('closes the connection when frame.postMessage throws (the frame was disposed while main answered)', async () => {
    startMain()
    const wc = electron.createWindow('file:///a.html')
    const frame: FakeFrame = wc.mainFrame
    // Alive while main reads it, disposed by the time main posts: the getters work, postMessage throws.
    const dying = Object.create(frame, {
      postMessage: {
        value: (channel: string, message: unknown, transfer: never[]) => {
          frame.dispose()
          frame.postMessage(channel, message, transfer)
        },
      },
    }) as FakeFrame
    expect(() => electron.ipcMain.emit(HELLO, { sender: wc, senderFrame: dying }, 1, 'tok')).not.toThrow()
    expect(electron.channels).toHaveLength(1)
    expect(host!.stats().connections).toBe(0)
    expect(logs.join('\n')).toMatch(/could not answer a hello: the frame went away \(Render frame was disposed/)
  })

  it('survives an allowOrigins function that throws', () => {
    startMain({
      allowOrigins: () => {
        throw new Error('policy bug')
      },
    })
    const wc = electron.createWindow('file:///a.html')
    expect(() => electron.ipcMain.emit(HELLO, { sender: wc, senderFrame: wc.mainFrame }, 1)).not.toThrow()
    expect(logs.join('\n')).toMatch(/dropped a hello: policy bug/)
    expect(host!.stats().connections).toBe(0)
  })
})

describe("opaque origins (defect 4): the 'file://' rule is for file: origins only", () => {
  it("refuses a sandboxed file: iframe, whose origin is 'null', and still serves the file: page around it", async () => {
    startMain({ allowOrigins: ['file://'] })
    const wc = electron.createWindow('file:///app/index.html')
    const sandboxed = wc.addFrame('file:///app/widget.html', { opaque: true })
    expect(sandboxed.origin).toBe('null')
    const { port, reply } = await hello(sandboxed.document!)
    expect(port).toBeUndefined()
    expect(reply.refused).toMatch(/does not serve this origin \(null\)/)
    const main = await hello(wc.mainFrame.document!)
    expect(main.port).toBeDefined()
    main.port!.close()
  })

  it("an opaque origin matches no RegExp either, and a /g RegExp answers the same every time", async () => {
    startMain({ allowOrigins: [/.*/g] })
    const opaque = electron.createWindow('file:///app/index.html').addFrame('data:text/html,hi', { opaque: true })
    expect((await hello(opaque.document!)).port).toBeUndefined()
    host!.close()
    startMain({ allowOrigins: [/^https:\/\/app\.example$/g] })
    for (let i = 0; i < 3; i++) {
      const { port } = await hello(electron.createWindow('https://app.example/').mainFrame.document!)
      expect(port, `hello ${i}`).toBeDefined()
      port!.close()
    }
  })

  it("lets '*' and a function rule decide about an opaque origin, since they are explicit", async () => {
    startMain({ allowOrigins: ({ origin, url }) => origin === 'null' && url.endsWith('/widget.html') })
    const sandboxed = electron.createWindow('file:///app/index.html').addFrame('file:///app/widget.html', { opaque: true })
    const { port } = await hello(sandboxed.document!)
    expect(port).toBeDefined()
    port!.close()
  })
})

describe('connection caps (issue 7: limits multiply with connections)', () => {
  it('2,000 hellos from one frame leave at most maxConnectionsPerFrame live, and another window is unaffected', async () => {
    startMain()
    const other = electron.createWindow('file:///other.html')
    const { port: otherPort } = await hello(other.mainFrame.document!)
    const otherClient = createClient<Api>(otherPort as never)
    expect(await otherClient.add(1, 1)).toBe(2)

    const flooder = electron.createWindow('file:///flood.html').mainFrame.document!
    for (let i = 1; i <= 2000; i++) flooder.ipcRenderer.send(HELLO, i, 'tok')
    await waitFor(() => electron.channels.length === 2001, 'main to answer every hello', 10_000)
    const stats = host!.stats()
    const ofFlooder = stats.peers.filter((p) => p.open && (p.peer as { url?: string }).url === 'file:///flood.html')
    expect(ofFlooder.length).toBeLessThanOrEqual(4)
    expect(stats.connections).toBe(ofFlooder.length + 1)
    // The window next door still works, on its own connection.
    expect(await otherClient.add(2, 3)).toBe(5)
  })

  it('closes the oldest connection of the frame, so the newest (a page that reconnects) always works', async () => {
    startMain({ maxConnectionsPerFrame: 2 })
    const doc = electron.createWindow('file:///a.html').mainFrame.document!
    const first = createClient<Api>((await hello(doc, 1)).port as never)
    const second = createClient<Api>((await hello(doc, 2)).port as never)
    const third = createClient<Api>((await hello(doc, 3)).port as never)
    expect(await third.add(1, 2)).toBe(3)
    expect(await second.add(1, 2)).toBe(3)
    await expect(first.add(1, 2)).rejects.toMatchObject({ name: 'DisconnectedError' })
    expect(host!.stats().connections).toBe(2)
  })

  it('caps a webContents across its frames with maxConnectionsPerWebContents', async () => {
    startMain({ maxConnectionsPerWebContents: 5 })
    const wc = electron.createWindow('file:///a.html')
    const frames = Array.from({ length: 8 }, (_, i) => wc.addFrame(`file:///frame-${i}.html`))
    for (const f of frames) await hello(f.document!)
    expect(host!.stats().connections).toBe(5)
    const urls = host!.stats().peers.filter((p) => p.open).map((p) => p.peer.url)
    expect(urls).toEqual([3, 4, 5, 6, 7].map((i) => `file:///frame-${i}.html`))
  })

  it('refuses a cap that is not a positive integer', () => {
    expect(() => startMain({ maxConnectionsPerFrame: 0 })).toThrow(/maxConnectionsPerFrame must be an integer of at least 1/)
    host = undefined
  })
})
