/**
 * The Electron entry: windows, and one call that serves the backend to all of them: ./api in this process,
 * and ./hashing (the `hashing` namespace) in a utility process of its own, so its CPU-bound hashing never
 * stalls the thread that drives every window.
 *
 * Security defaults, on purpose: context isolation and the sandbox on, Node integration off, a strict CSP in
 * index.html, navigation limited to the app's own pages, and new windows only from the app's own URLs.
 */
import { join } from 'node:path'
import { app, BrowserWindow, shell, type UtilityProcess, utilityProcess } from 'electron'
import { type RemoteHost, serve, utilityHost, type UtilityProcessLike } from 'sluice/main'
import type { AppEvents } from '../shared/events'
import * as api from './api'
import { startFeeds } from './feeds'
import { configure, projectDir } from './runtime'

configure({
  mode: 'electron',
  sampleDir: join(app.getAppPath(), 'resources', 'sample'),
  appDir: projectDir(app.getAppPath()),
})

/**
 * Forks the hashing host. A child that exits while the app is not quitting (a crash, an OOM kill) is replaced
 * and the exit logged: pages need no reload, since their next `api.hashing.*` call asks main for a port again
 * and gets the new child's; calls live at the exit fail with a DisconnectedError.
 */
function forkHashing(): UtilityProcess {
  const child = utilityProcess.fork(join(__dirname, 'hashing-host.js'), [], { serviceName: 'sluice hashing' })
  child.once('exit', (code) => {
    if (quitting || !hashing) return
    console.warn(`[hashing] the utility process exited with code ${code}; restarting it`)
    // Not within this 'exit' event: utilityHost's own exit listener runs after ours and marks the host stopped,
    // whichever process it then holds. And a pause, so that a child that dies at start-up cannot spin.
    setTimeout(() => !quitting && hashing?.attach(forkHashing()), 250)
  })
  return child
}
let quitting = false
app.on('will-quit', () => (quitting = true))
let hashing: RemoteHost<UtilityProcessLike, typeof import('./hashing')> | undefined

/**
 * Serves the backend: ./api here, the `hashing` namespace in its utility process. utilityProcess.fork() only
 * works once the app is ready, so this runs then, still before any window loads (and each page's preload says
 * hello at once and retries for a while, so a late serve() would still be found). Default allowOrigins: file://
 * pages and, unpackaged, the dev server. Typed with the app's events (src/shared/events.ts), so host.emit()
 * checks names and arguments.
 */
function serveBackend(): void {
  hashing = utilityHost<typeof import('./hashing')>(forkHashing())
  const host = serve<typeof api, AppEvents>(api, { hosts: { hashing } })
  configure({ stats: () => host.stats() })
  // The live dashboard (every 500 ms, to the windows that subscribed) and the typed events (AppEvents).
  startFeeds(host)
}

const devServer = process.env['ELECTRON_RENDERER_URL']
const rendererFile = join(__dirname, '../renderer/index.html')

/** True for the app's own pages: the built renderer, or the dev server while developing. */
function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url)
    if (devServer && u.origin === new URL(devServer).origin) return true
    return u.protocol === 'file:' && decodeURIComponent(u.pathname).endsWith('/renderer/index.html')
  } catch {
    return false
  }
}

type View = 'main' | 'about'

function load(win: BrowserWindow, view: View): Promise<void> {
  if (devServer) return win.loadURL(view === 'main' ? devServer : `${devServer}?view=${view}`)
  return win.loadFile(rendererFile, view === 'main' ? undefined : { query: { view } })
}

let about: BrowserWindow | undefined

function createWindow(view: View): BrowserWindow {
  const win = new BrowserWindow({
    width: view === 'main' ? 1180 : 460,
    height: view === 'main' ? 820 : 560,
    minWidth: 380,
    minHeight: 420,
    show: false,
    title: view === 'main' ? 'sluice starter' : 'About sluice starter',
    backgroundColor: '#0f1420',
    autoHideMenuBar: true,
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  })
  win.once('ready-to-show', () => win.show())
  void load(win, view)
  return win
}

function openAbout(): void {
  if (about && !about.isDestroyed()) {
    about.focus()
    return
  }
  about = createWindow('about')
  about.on('closed', () => (about = undefined))
}

app.on('web-contents-created', (_event, contents) => {
  // A page may only navigate within the app. (sluice keeps a page's connection when a navigation is cancelled.)
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault()
  })
  // window.open: the About view opens our own window; https links open in the browser; nothing else opens.
  contents.setWindowOpenHandler(({ url }) => {
    if (isAppUrl(url) && new URL(url).searchParams.get('view') === 'about') openAbout()
    else if (url.startsWith('https:')) void shell.openExternal(url)
    return { action: 'deny' }
  })
})

void app.whenReady().then(() => {
  serveBackend()
  createWindow('main')
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow('main')
  })
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
