/**
 * `npm start` (and `npm run dev` with --dev): the showcase in Electron, through electron-vite, where an Electron
 * binary exists. Where none does (a machine that cannot download it), or with --web, say why and run the web
 * mode in this process instead: the same renderer in a browser tab, the same backend (src/main/api.ts) in Node.
 *
 * Stopping it (Ctrl+C, SIGTERM, SIGHUP, or the death of the npm that ran it) leaves no process behind. A shell
 * or npm between us and a child would die on the signal and orphan what it started, so children are spawned
 * directly, each in its own process group, and stopping ends every group (then, after a grace period, kills
 * it) before this process exits. The web mode runs in this process.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { type ElectronBinary, findElectron } from '../../../scripts/electron-binary'
import { webServerMain } from '../../../scripts/web-server'
import { showcaseApp } from './web-server'

const dir = resolve(__dirname, '..')
const dev = process.argv.includes('--dev')
const web = process.argv.includes('--web')
const posix = process.platform !== 'win32'
const children = new Set<ChildProcess>()

function end(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  try {
    if (posix) process.kill(-child.pid, signal)
    else spawnSync('taskkill', ['/pid', String(child.pid), '/T', '/F'])
  } catch {
    // The group is already gone.
  }
}

/** Runs a Node script as a child in its own process group; resolves with its exit code. */
function run(script: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  // stdin is not passed on: a process outside the terminal's foreground group that read it would be stopped.
  const child = spawn(process.execPath, [script, ...args], { cwd: options.cwd ?? dir, env: options.env ?? process.env, stdio: ['ignore', 'inherit', 'inherit'], detached: posix })
  children.add(child)
  return new Promise((done) => {
    child.on('error', () => done(1))
    child.on('exit', (code) => {
      children.delete(child)
      done(code ?? 1)
    })
  })
}

let stopping = false
function stop(signal: NodeJS.Signals): void {
  if (stopping) return
  stopping = true
  const code = 128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as Record<string, number>)[signal]!
  for (const child of children) end(child, signal)
  const force = setTimeout(() => {
    for (const child of children) end(child, 'SIGKILL')
    process.exit(code)
  }, 5000)
  const check = setInterval(() => {
    if (children.size > 0) return
    clearInterval(check)
    clearTimeout(force)
    process.exit(code)
  }, 20)
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal))

// `npm start` runs this under `sh -c`, and npm hands a SIGTERM only to that shell, which dies of it without
// passing it on: this process would live on, reparented. So a change of parent means the same as SIGTERM.
const parent = process.ppid
setInterval(() => process.ppid !== parent && stop('SIGTERM'), 200).unref()

// electron-vite's package exports do not list its bin: find it beside its package.json.
const electronVite = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js')

// sluice itself was built by `npm ci` (the root's prepare script); after changing it, `npm run build:lib`.
async function main(): Promise<void> {
  const electron: ElectronBinary = web ? { reason: 'web mode was asked for (--web)' } : findElectron(dir)
  if (electron.path !== undefined) {
    process.exit(await run(electronVite, [dev ? 'dev' : 'preview'], { env: { ...process.env, ELECTRON_EXEC_PATH: electron.path } }))
  }
  console.log(
    [
      '',
      `  Electron cannot start here: ${electron.reason}.`,
      '  Starting the web mode instead: the same renderer, served to your browser, with the same backend',
      '  (src/main/api.ts) running in Node behind a WebSocket. Stop it with Ctrl+C.',
      '',
    ].join('\n'),
  )
  if (!dev) {
    const built = await run(electronVite, ['build'])
    if (built !== 0) process.exit(built)
  }
  if (stopping) return
  webServerMain(showcaseApp, [...(dev ? ['--dev'] : []), '--port', process.env.PORT ?? '5199'])
}

void main()
