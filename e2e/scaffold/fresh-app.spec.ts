/**
 * A fresh app, built the way a user would: scaffolded by `npm create @quick-start/electron` (pinned), given the
 * packed sluice tarball (`npm pack -w sluice`), changed by exactly the README's "Add sluice to an existing
 * Electron app" steps, and built with `electron-vite build`. Then: the preload bundle requires only `electron`
 * (a sandboxed preload can require nothing else), the main bundle loads under the stand-in `electron` and
 * serves the api over a port, and tsc passes with moduleResolution `bundler` and `nodenext`.
 *
 * It needs the npm registry (nothing else): `npm run test:scaffold`, the last step of npm test (about 1.5
 * minutes with a warm npm cache). Everything happens in a temp dir; the repository's lockfile is never touched. ELECTRON_SKIP_BINARY_DOWNLOAD: the scaffold's Electron (39) would otherwise download a binary.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expect, test } from '@playwright/test'
import { hello, loadMainBundle } from '../support/fake-electron'

const CREATE_ELECTRON = '@quick-start/electron@1.0.30'
const repo = resolve(__dirname, '../..')
const env = { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' }
const sh = (cwd: string, command: string, args: string[]) => execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

let work: string
let tarball: string

test.beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sluice-scaffold-'))
  sh(repo, 'npm', ['pack', '-w', 'sluice', '--pack-destination', work, '--silent'])
  tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!)
})

/** The README's steps, applied to a scaffold: main serves, the preload bridges, the renderer connects. */
function applyReadme(app: string, rendererEntry: string): void {
  writeFileSync(
    join(app, 'src/main/api.ts'),
    `import { getContext } from 'sluice/main'
export async function greet(name: string): Promise<string> {
  return \`Hello, \${name}\`
}
export async function* countTo(n: number): AsyncGenerator<number, string> {
  const { signal } = getContext()
  for (let i = 1; i <= n && !signal.aborted; i++) yield i
  return 'done'
}
`,
  )
  const main = join(app, 'src/main/index.ts')
  writeFileSync(main, `import { serve } from 'sluice/main'\nimport * as api from './api'\nserve(api)\n` + readFileSync(main, 'utf8').replace('sandbox: false', 'sandbox: true'))
  writeFileSync(join(app, 'src/preload/index.ts'), `import { exposeBridge } from 'sluice/preload'\nexposeBridge()\n`)
  writeFileSync(
    join(app, 'src/renderer/src/api.ts'),
    `import { connect } from 'sluice/renderer'\nexport const api = connect<typeof import('../../main/api')>()\n` +
      // Types only, checked by tsc: a wrong argument or an unknown method must not compile.
      `export async function demo(): Promise<[string, number[], string]> {\n  const got: number[] = []\n  const s = api.countTo(3)\n  for await (const n of s) got.push(n)\n  return [await api.greet('Ada'), got, await s]\n}\n`,
  )
  const entry = join(app, rendererEntry)
  writeFileSync(entry, `import './api'\n` + readFileSync(entry, 'utf8'))
  const web = join(app, 'tsconfig.web.json')
  const config = JSON.parse(readFileSync(web, 'utf8')) as { include: string[] }
  config.include.push('src/main/api.ts')
  writeFileSync(web, JSON.stringify(config, null, 2))
  writeFileSync(
    join(app, 'electron.vite.config.ts'),
    `import { defineConfig } from 'electron-vite'\n` +
      readFileSync(join(app, 'electron.vite.config.ts'), 'utf8')
        .replace(/^import \{ defineConfig \} from 'electron-vite'\n/m, '')
        .replace(/preload: \{\}/, 'preload: { build: { externalizeDeps: false } }'),
  )
}

for (const [template, rendererEntry] of [
  ['vanilla-ts', 'src/renderer/src/renderer.ts'],
  ['react-ts', 'src/renderer/src/main.tsx'],
] as const) {
  test(`a fresh ${template} app with sluice builds, bundles its preload, serves from main and typechecks`, async () => {
    test.setTimeout(600_000)
    const app = join(work, template)
    sh(work, 'npm', ['create', '--yes', CREATE_ELECTRON, '--', template, '--template', template, '--skip'])
    // --ignore-scripts: the scaffold's postinstall is electron-builder's native rebuild, which needs the network.
    sh(app, 'npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'])
    sh(app, 'npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', tarball])
    applyReadme(app, rendererEntry)
    expect(readFileSync(join(app, 'electron.vite.config.ts'), 'utf8')).toContain('externalizeDeps: false')

    sh(app, 'npx', ['electron-vite', 'build'])

    // The preload: every require is electron (the sandbox allows no package).
    const preload = readFileSync(join(app, 'out/preload/index.js'), 'utf8')
    const requires = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])
    expect([...new Set(requires)]).toEqual(['electron'])

    // The main bundle under the stand-in electron: it creates its window sandboxed and serves the api.
    const appRequire = createRequire(join(app, 'package.json'))
    const loaded = await loadMainBundle(join(app, 'out/main/index.js'), (id) => appRequire(id))
    try {
      expect(loaded.windows[0]?.options.webPreferences).toMatchObject({ sandbox: true })
      const answer = await hello(loaded, 'file:///app/out/renderer/index.html', 'file://', [{ t: 'call', id: 1, path: ['greet'], args: { v: ['Ada'] } }])
      expect(answer).toMatchObject([{ t: 'result', id: 1, value: { v: 'Hello, Ada' } }])
    } finally {
      loaded.restore()
    }

    // Types: the scaffold's own configs (moduleResolution bundler), then the files that use sluice again under
    // nodenext. (Not the whole scaffold under nodenext: its react-ts electron.vite.config.ts fails there on
    // @vitejs/plugin-react's own types, which is no concern of sluice's.)
    for (const project of ['tsconfig.node.json', 'tsconfig.web.json']) {
      sh(app, 'npx', ['tsc', '--noEmit', '-p', project, '--composite', 'false'])
      const files = project === 'tsconfig.node.json' ? ['src/main/**/*', 'src/preload/**/*'] : ['src/renderer/src/api.ts', 'src/main/api.ts']
      const nodenext = project.replace('.json', '.nodenext.json')
      writeFileSync(join(app, nodenext), JSON.stringify({ extends: `./${project}`, compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', composite: false }, include: files }))
      sh(app, 'npx', ['tsc', '--noEmit', '-p', nodenext])
    }
  })
}
