/**
 * The Electron entry: one window with the security defaults, and one call that serves ./api to every window.
 * (The defaults on purpose: context isolation and the sandbox on, Node integration off, the CSP in index.html,
 * navigation only within the app, no new windows.)
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { app, BrowserWindow, shell } from 'electron'
import { serve } from 'sluice/main'
import * as api from './api'

// Before any window loads. Ports go only to the app's own pages: file:// and, unpackaged, the dev server.
serve(api)

const devServer = process.env['ELECTRON_RENDERER_URL']
const page = join(__dirname, '../renderer/index.html')
const isOwn = (url: string) => (devServer ? new URL(url).origin === new URL(devServer).origin : url.split(/[?#]/)[0] === pathToFileURL(page).href)

function createWindow(): void {
  const win = new BrowserWindow({
    width: 720,
    height: 420,
    webPreferences: { preload: join(__dirname, '../preload/index.js'), contextIsolation: true, sandbox: true, nodeIntegration: false },
  })
  void (devServer ? win.loadURL(devServer) : win.loadFile(page))
}

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event, url) => {
    if (!isOwn(url)) event.preventDefault()
  })
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https:')) void shell.openExternal(url)
    return { action: 'deny' }
  })
})

void app.whenReady().then(() => {
  createWindow()
  app.on('activate', () => BrowserWindow.getAllWindows().length === 0 && createWindow())
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
