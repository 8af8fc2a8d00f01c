/**
 * `npm start` (README's first command) leaves no process behind when it is stopped. It is spawned exactly as
 * a user runs it, the tree of processes under it is recorded while it serves, then the top `npm` process gets
 * SIGTERM (what `kill` or a process manager sends) or its group gets SIGINT (what Ctrl+C sends to the terminal's
 * foreground group): every process of that tree must be gone within a bounded time, and the port closed.
 * Here there is no Electron binary, so npm start runs the web mode; with a stand-in Electron (a Node script given
 * as ELECTRON_EXEC_PATH) it runs electron-vite preview, whose Electron child must go too.
 * Reads /proc for the process tree, so it runs on Linux only.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expect, test } from '@playwright/test'

const root = resolve(__dirname, '../..')

/** Every live process whose ancestry reaches `pid` (pid included), from /proc. */
function tree(pid: number): number[] {
  const parent = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // The command name (field 2) may hold spaces and parentheses: ppid is the second field after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (fields[0] !== 'Z') parent.set(Number(entry), Number(fields[1]))
    } catch {
      // Gone while we looked.
    }
  }
  const found = [pid]
  for (let grew = true; grew; ) {
    grew = false
    for (const [p, pp] of parent) if (!found.includes(p) && found.includes(pp)) (found.push(p), (grew = true))
  }
  return found.filter((p) => parent.has(p))
}

const alive = (pids: number[]) => pids.filter((p) => {
  try {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
})

const portOpen = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => (socket.destroy(), done(true)))
    socket.on('error', () => done(false))
  })

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  const { port } = server.address() as net.AddressInfo
  await new Promise((r) => server.close(r))
  return port
}

const started: ChildProcess[] = []
// A failed test must not leave its npm start running either.
test.afterEach(() => {
  for (const npm of started.splice(0)) {
    try {
      process.kill(-npm.pid!, 'SIGKILL')
    } catch {
      // Already gone, as it should be.
    }
  }
})

/** Starts `npm start` in its own process group; resolves once `ready` matches its output. */
async function start(env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ npm: ChildProcess; output: () => string }> {
  const npm = spawn('npm', ['start'], { cwd: root, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  npm.stdout!.on('data', (d) => (output += d))
  npm.stderr!.on('data', (d) => (output += d))
  started.push(npm)
  for (const until = Date.now() + 120_000; !ready.test(output); await new Promise((r) => setTimeout(r, 250))) {
    if (npm.exitCode !== null || Date.now() > until) throw new Error(`npm start did not get ready (exit code ${npm.exitCode}):\n${output}`)
  }
  return { npm, output: () => output }
}

test.describe('npm start, stopped, leaves no child behind', () => {
  test.skip(process.platform !== 'linux', 'reads the process tree from /proc (Linux only)')
  test.setTimeout(240_000)

  for (const how of ['SIGTERM to npm', 'SIGINT to the group (Ctrl+C)'] as const) {
    test(`web mode: ${how}`, async () => {
      const port = await freePort()
      const { npm, output } = await start({ PORT: String(port), ELECTRON_EXEC_PATH: '/nonexistent/electron' }, /sluice web mode: open http:\/\/127\.0\.0\.1:\d+\//)
      expect(await portOpen(port)).toBe(true)
      const pids = tree(npm.pid!)
      // npm, its shell (if any) and the start script, which serves in-process: at least two, all ours.
      expect(pids.length, output()).toBeGreaterThanOrEqual(2)
      if (how === 'SIGTERM to npm') npm.kill('SIGTERM')
      else process.kill(-npm.pid!, 'SIGINT')
      await expect.poll(() => alive(pids), { timeout: 10_000, intervals: [100] }).toEqual([])
      expect(await portOpen(port)).toBe(false)
    })
  }

  test("electron-vite preview: SIGTERM to npm ends Electron's process too", async () => {
    // A stand-in Electron: a Node script that says it started and then lives until killed.
    const dir = mkdtempSync(join(tmpdir(), 'sluice-fake-electron-'))
    const fake = join(dir, 'electron')
    writeFileSync(fake, `#!${process.execPath}\nconsole.log('fake electron up ' + process.pid)\nsetInterval(() => {}, 1000)\n`)
    chmodSync(fake, 0o755)
    const { npm, output } = await start({ ELECTRON_EXEC_PATH: fake }, /fake electron up (\d+)/)
    const electronPid = Number(/fake electron up (\d+)/.exec(output())![1])
    const pids = tree(npm.pid!)
    expect(pids, output()).toContain(electronPid)
    npm.kill('SIGTERM')
    await expect.poll(() => alive(pids), { timeout: 10_000, intervals: [100] }).toEqual([])
  })
})
