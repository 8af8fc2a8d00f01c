/**
 * Issue 10: a sandboxed preload that `require`s sluice (electron-vite's default externalizes dependencies) never
 * says hello, and nothing reported it. serve() now says why, in main's log, with what to do.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type Host, serve } from '../src/main/index.js'
import { SLUICE_CHANNELS } from '../src/shared/protocol.js'
import { FakeElectron } from './fakes/electron.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
let host: Host<object> | undefined
afterEach(() => {
  host?.close()
  host = undefined
})

function start(helloWarningMs?: number) {
  const electron = new FakeElectron()
  const logs: string[] = []
  host = serve({ ping: async () => 'pong' }, { electron, log: (m) => logs.push(m), allowOrigins: ['file://'], ...(helloWarningMs !== undefined && { helloWarningMs }) })
  return { electron, logs }
}

describe("serve() explains a window that never connects", () => {
  it('reports a preload that threw because it could not require sluice, and says how to bundle it', () => {
    const { electron, logs } = start()
    const wc = electron.createWindow('file:///app/index.html', { preload: '/app/out/preload/index.js' })
    wc.preloadError(new Error("module not found: sluice/preload"))
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatch(/the preload \/app\/out\/preload\/index\.js of the page at file:\/\/\/app\/index\.html threw before it could connect: module not found: sluice\/preload/)
    expect(logs[0]).toMatch(/can require only 'electron': bundle sluice into it \(electron-vite: preload: \{ build: \{ externalizeDeps: false \} \}/)
  })

  it('reports a loaded page whose preload never said hello, once, after helloWarningMs', async () => {
    const { electron, logs } = start(40)
    const wc = electron.createWindow('file:///app/index.html', { preload: '/app/out/preload/index.js' })
    wc.finishLoad()
    expect(logs).toEqual([])
    await sleep(80)
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatch(/the page at file:\/\/\/app\/index\.html loaded 40 ms ago and its preload has not said hello/)
    expect(logs[0]).toMatch(/helloWarningMs: 0/)
  })

  it('stays quiet for a page that said hello, a window without a preload, and with helloWarningMs: 0', async () => {
    const { electron, logs } = start(40)
    const connected = electron.createWindow('file:///app/index.html', { preload: '/p.js' })
    connected.mainFrame.document!.ipcRenderer.send(SLUICE_CHANNELS.SLUICE_HELLO_RENDERER_TO_MAIN, 1, 'token')
    await sleep(10)
    connected.finishLoad()
    electron.createWindow('https://example.com/').finishLoad()
    await sleep(80)
    expect(logs).toEqual([])

    const quiet = start(0)
    quiet.electron.createWindow('file:///app/index.html', { preload: '/p.js' }).finishLoad()
    await sleep(60)
    expect(quiet.logs).toEqual([])
  })

  it('stops watching new windows once serve() is closed', () => {
    const { electron, logs } = start()
    host!.close()
    electron.createWindow('file:///app/index.html', { preload: '/p.js' }).preloadError(new Error('module not found: sluice/preload'))
    expect(logs).toEqual([])
  })
})
