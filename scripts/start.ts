/**
 * `npm start` (and `npm run dev` with --dev): the app in Electron, through electron-vite, where an Electron
 * binary exists. Where none does (a machine that cannot download it), say why and run the web mode instead:
 * the same renderer in a browser tab, the same backend (src/main/api.ts) in Node, over a WebSocket.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { findElectron } from './electron-binary'

const root = join(__dirname, '..')
const dev = process.argv.includes('--dev')

function run(command: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, { cwd: root, env, stdio: 'inherit', shell: true })
    const forward = (signal: NodeJS.Signals) => child.kill(signal)
    process.on('SIGINT', forward)
    process.on('SIGTERM', forward)
    child.on('exit', (code) => resolve(code ?? 1))
  })
}

async function main(): Promise<number> {
  const electron = findElectron()
  if (electron.path !== undefined) {
    const code = await run('npm run build:lib --silent')
    if (code !== 0) return code
    return run(`npx electron-vite ${dev ? 'dev' : 'preview'}`, { ...process.env, ELECTRON_EXEC_PATH: electron.path })
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
  return run(dev ? 'npm run dev:web --silent' : 'npm run start:web --silent')
}

main().then((code) => process.exit(code))
