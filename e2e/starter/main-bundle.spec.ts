/**
 * The starter's built main bundle (out/main/index.js), run in Node with a stand-in for the `electron` module
 * (e2e/support/fake-electron.ts): what only a real Electron would otherwise show. The bundle must need no
 * package at run time, find `electron` through the CJS `require` (serve() looks it up lazily), create its
 * window with the security defaults, serve the api to an allowed file:// frame, refuse other origins, keep
 * navigation inside the app and open no window. The real thing runs in e2e/electron wherever an Electron
 * binary exists. Needs `npm run build`.
 */
import { EventEmitter } from 'node:events'
import { builtinModules } from 'node:module'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { expect, test } from '@playwright/test'
import { hello, loadMainBundle } from '../support/fake-electron'

const root = join(__dirname, '../..')

test("the starter's main bundle wires its window, serve() and the navigation rules", async () => {
  const loaded = await loadMainBundle(join(root, 'out/main/index.js'), (id) => {
    if (id.startsWith('node:') || builtinModules.includes(id)) return require(id)
    throw new Error(`the main bundle should need no package at run time, but required ${id}`)
  })
  const { windows, app, opened, required } = loaded
  try {
    // Packages are bundled: only electron and Node built-ins are required. electron twice: once by the app's
    // own import, once by serve()'s lazy lookup (which went through the bundle's CJS require).
    expect(required.filter((id) => !id.startsWith('node:') && !builtinModules.includes(id))).toEqual(['electron', 'electron'])

    // One main window, with the security defaults and the built preload and page.
    expect(windows).toHaveLength(1)
    const prefs = windows[0]!.options.webPreferences!
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false })
    expect(existsSync(prefs.preload as string)).toBe(true)
    expect(windows[0]!.loaded[0]).toEqual(['file', join(root, 'out/renderer/index.html'), undefined])

    // serve(): a file:// frame gets a port and a working api; another origin gets a refusal.
    const warn = console.warn
    const warnings: string[] = []
    console.warn = (m: string) => void warnings.push(m)
    try {
      const answer = (await hello(loaded, `file://${join(root, 'out/renderer/index.html')}`, 'file://', [
        { t: 'call', id: 1, path: ['greet'], args: { v: ['Ada'] } },
      ])) as [{ t: string; id: number; value: { v: string } }]
      expect(answer[0]).toMatchObject({ t: 'result', id: 1 })
      expect(answer[0].value.v).toBe('Hello, Ada, from Electron 45.4.1')
      await expect(hello(loaded, 'https://evil.example/', 'https://evil.example', [])).rejects.toThrow(/no port: .*https:\/\/evil\.example/)
      expect(warnings.join('\n')).toMatch(/refused a port/)
    } finally {
      console.warn = warn
    }

    // Navigation stays on the app's page; window.open opens nothing (https goes to the system browser).
    let openHandler: ((details: { url: string }) => { action: string }) | undefined
    const contents = Object.assign(new EventEmitter(), { setWindowOpenHandler: (h: typeof openHandler) => (openHandler = h) })
    app.emit('web-contents-created', {}, contents)
    const navigate = (url: string) => {
      let prevented = false
      contents.emit('will-navigate', { preventDefault: () => (prevented = true) }, url)
      return prevented
    }
    const page = pathToFileURL(join(root, 'out/renderer/index.html')).href
    expect(navigate('https://evil.example/')).toBe(true)
    expect(navigate('file:///etc/passwd')).toBe(true)
    expect(navigate(`${page}#top`)).toBe(false)
    expect(openHandler!({ url: page })).toEqual({ action: 'deny' })
    expect(openHandler!({ url: 'https://electronjs.org/' })).toEqual({ action: 'deny' })
    expect(opened).toEqual(['https://electronjs.org/'])
    expect(windows).toHaveLength(1)
  } finally {
    loaded.restore()
  }
})
