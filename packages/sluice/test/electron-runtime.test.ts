/**
 * getContext() across `await` on the Node of every supported Electron (defect 6 of issue 9). Electron 30 and
 * 31 run Node 20.11 and 20.14, which have no `process.getBuiltinModule` (it came in Node 20.16 / 22.3); the
 * core finds AsyncLocalStorage only through it, so there the main side must hand it in. Each test loads the
 * modules afresh with `getBuiltinModule` taken away, as on those versions.
 */
import { createRequire } from 'node:module'
import { MessageChannel } from 'node:worker_threads'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient } from '../src/renderer/index.js'
import { SLUICE_CHANNELS } from '../src/shared/protocol.js'
import { FakeElectron } from './fakes/electron.js'

type Main = typeof import('../src/main/index.js')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const proc = process as { getBuiltinModule?: unknown }
const saved = proc.getBuiltinModule

/** Loads `entry` afresh as on Node < 20.16: no process.getBuiltinModule. */
async function loadWithoutGetBuiltinModule(entry: '../src/main/index.js' | '../src/main/node.js'): Promise<Main> {
  vi.resetModules()
  proc.getBuiltinModule = undefined
  try {
    return (await import(entry)) as Main
  } finally {
    proc.getBuiltinModule = saved
  }
}

function apiOf(main: Main) {
  return {
    async afterAwait() {
      await sleep(1)
      return main.getContext().method
    },
  }
}

afterEach(() => {
  proc.getBuiltinModule = saved
  vi.unstubAllGlobals()
})

describe('AsyncLocalStorage without process.getBuiltinModule (Electron 30–31)', () => {
  it('the core alone loses the context after an await there (why the main side must hand it in)', async () => {
    const main = await loadWithoutGetBuiltinModule('../src/main/index.js')
    const { port1, port2 } = new MessageChannel()
    const host = main.createHost(apiOf(main))
    host.connect(port1)
    const client = createClient<ReturnType<typeof apiOf>>(port2)
    await expect(client.afterAwait()).rejects.toThrow(/outside a handler, or after an await/)
    host.close()
  })

  it("the node entry (main/node.ts, the package's `node` condition) imports it, so the context follows every await", async () => {
    const main = await loadWithoutGetBuiltinModule('../src/main/node.js')
    const { port1, port2 } = new MessageChannel()
    const host = main.createHost(apiOf(main))
    host.connect(port1)
    expect(await createClient<ReturnType<typeof apiOf>>(port2).afterAwait()).toBe('afterAwait')
    host.close()
  })

  it("serve() hands it in from the CJS require of Electron's main bundle", async () => {
    const main = await loadWithoutGetBuiltinModule('../src/main/index.js')
    // A CJS main bundle (electron-vite's default) has `require`; the ESM test module does not.
    vi.stubGlobal('require', createRequire(import.meta.url))
    const electron = new FakeElectron()
    const host = main.serve(apiOf(main), { electron, log: () => {} })
    const doc = electron.createWindow('file:///a.html').mainFrame.document!
    const port = await new Promise<MessagePort>((resolve) => {
      doc.ipcRenderer.on(SLUICE_CHANNELS.SLUICE_PORT_MAIN_TO_RENDERER, (event) => resolve(event.ports[0] as unknown as MessagePort))
      doc.ipcRenderer.send(SLUICE_CHANNELS.SLUICE_HELLO_RENDERER_TO_MAIN, 1, 'tok')
    })
    expect(await createClient<ReturnType<typeof apiOf>>(port).afterAwait()).toBe('afterAwait')
    host.close()
  })

  it('the node entry exports exactly what sluice/main exports', async () => {
    const [node, index] = await Promise.all([import('../src/main/node.js'), import('../src/main/index.js')])
    expect(Object.keys(node).sort()).toEqual(Object.keys(index).sort())
  })
})
