/**
 * The Electron counterpart of e2e/fixtures/instrument.ts for the `hashing` namespace, which runs in a utility
 * process that Playwright cannot reach: a copy of the built showcase whose out/main/hashing-host.js is swapped
 * for a test build that serves the app's own src/main/hashing.ts with hashFile() wrapped to count runs started
 * and finished (its finally ran), plus a `probe()` that returns the counts. Everything else (main, preload,
 * renderer) is the app's build, untouched. The app itself exposes nothing for the tests.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'

const showcase = join(__dirname, '../..')

/** What `window.api.hashing.probe()` returns in the instrumented copy. */
export interface HashingProbe {
  started: number
  finallies: number
  pid: number
}

const ENTRY = `
import { serveUtility } from 'sluice/main'
import * as hashing from ${JSON.stringify(join(showcase, 'src/main/hashing.ts'))}
const counts = { started: 0, finallies: 0 }
serveUtility({
  ...hashing,
  // yield* hands the host's return() on to the app's generator, so its finally runs before ours counts.
  async *hashFile(...args: Parameters<typeof hashing.hashFile>) {
    counts.started++
    try {
      return yield* hashing.hashFile(...args)
    } finally {
      counts.finallies++
    }
  },
  async probe() {
    return { ...counts, pid: process.pid }
  },
})
`

/** Copies the built showcase (needs `npm run build`) to a temporary folder with the instrumented hashing host. */
export async function instrumentedShowcase(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'showcase-hashing-e2e-'))
  cpSync(join(showcase, 'out'), join(dir, 'out'), { recursive: true })
  cpSync(join(showcase, 'resources'), join(dir, 'resources'), { recursive: true })
  cpSync(join(showcase, 'package.json'), join(dir, 'package.json'))
  // One bundle, so the app's getContext() and this serveUtility() share one copy of sluice, as in the app's build.
  await build({
    stdin: { contents: ENTRY, loader: 'ts', resolveDir: showcase },
    outfile: join(dir, 'out/main/hashing-host.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'es2022',
    external: ['electron'],
    logLevel: 'silent',
  })
  writeFileSync(join(dir, 'INSTRUMENTED'), 'out/main/hashing-host.js is a test build: e2e/electron/instrumented-hashing.ts\n')
  return dir
}
