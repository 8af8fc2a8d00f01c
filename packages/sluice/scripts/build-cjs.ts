/**
 * The CommonJS build, beside tsc's ESM one: dist/cjs/<side>/*.js, one file per source file (no bundling, so
 * `require('sluice/main')` loads the same module graph the ESM build has), with tsc's declarations copied next
 * to them. dist/cjs/package.json says `"type": "commonjs"`, so Node and TypeScript read both the .js and the
 * .d.ts there as CommonJS.
 *
 * Why esbuild and not a second `tsc --module commonjs` pass: src/main/electron.ts reads `import.meta.url` on its
 * ESM-only path, which tsc refuses to compile to CommonJS (TS1343), and which would be a SyntaxError if it were
 * emitted verbatim. esbuild compiles it to an empty object on that path, which CommonJS never takes (it has
 * `require`). Any other `import.meta` fails this build, since it could be a live path.
 *
 * superjson 2 (and its copy-anything) ship ESM only, and Node before 20.19 / 22.12 cannot require() ESM: that is
 * Electron 30 to 34, whose main would throw ERR_REQUIRE_ESM at `require('sluice/main')`. So the CommonJS build
 * carries its own CommonJS copy of them, dist/cjs/vendor/superjson.js, with their licenses, and its modules
 * require that instead of the package.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { createRequire } from 'node:module'

const root = fileURLToPath(new URL('..', import.meta.url))
const src = join(root, 'src')
const esm = join(root, 'dist')
const cjs = join(root, 'dist/cjs')
/** The one `import.meta` that CommonJS cannot reach: loadElectron()'s fallback when there is no `require`. */
const IMPORT_META_ALLOWED = new Set(['src/main/electron.ts'])

function walk(dir: string, keep: (file: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return path === cjs ? [] : walk(path, keep)
    return keep(path) ? [path] : []
  })
}

const entryPoints = walk(src, (f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
const result = await build({
  absWorkingDir: root,
  entryPoints,
  outdir: cjs,
  outbase: src,
  format: 'cjs',
  // 'node' makes esbuild annotate the export names, so that Node's cjs-module-lexer sees them.
  platform: 'node',
  target: 'es2022',
  sourcemap: true,
  bundle: false,
  logLevel: 'silent',
})
const stray = result.warnings.filter((w) => !(w.id === 'empty-import-meta' && IMPORT_META_ALLOWED.has(w.location?.file ?? '')))
if (stray.length > 0) {
  for (const w of stray) console.error(`build-cjs: ${w.location?.file ?? '?'}:${w.location?.line ?? '?'}: ${w.text}`)
  process.exit(1)
}

const VENDOR = '../vendor/superjson.js'
const resolve = createRequire(join(root, 'package.json')).resolve
/** A package's folder, from any file in it (these packages export no ./package.json). */
function packageDir(file: string): string {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'package.json'))) return dir
  throw new Error(`build-cjs: no package.json above ${file}`)
}
const superjsonDir = packageDir(resolve('superjson'))
const licenses = [superjsonDir, packageDir(resolve('copy-anything', { paths: [superjsonDir] }))].map((dir) => {
  const { name, version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string }
  return `${name}@${version}:\n${readFileSync(join(dir, 'LICENSE'), 'utf8').trim()}`
})
await build({
  absWorkingDir: root,
  // Node's rule for a CommonJS module imported from ESM, which esbuild applies to our modules: the default import is module.exports.
  stdin: { contents: "module.exports = require('superjson').default\n", resolveDir: root, loader: 'js' },
  outfile: join(cjs, 'vendor/superjson.js'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'es2022',
  banner: { js: `/*\nBundled for sluice's CommonJS build (see sluice/scripts/build-cjs.ts).\n\n${licenses.join('\n\n')}\n*/` },
  logLevel: 'error',
})
// Every module that imports superjson: each sits one folder deep (shared/, main/, ...), so one relative path fits.
let rewired = 0
for (const file of walk(cjs, (f) => f.endsWith('.js'))) {
  const text = readFileSync(file, 'utf8')
  if (!text.includes('require("superjson")')) continue
  writeFileSync(file, text.replaceAll('require("superjson")', `require("${VENDOR}")`))
  rewired++
}
const importers = entryPoints.filter((f) => /from 'superjson'/.test(readFileSync(f, 'utf8'))).length
if (rewired !== importers) {
  console.error(`build-cjs: ${importers} source files import superjson, but ${rewired} built files required it`)
  process.exit(1)
}

// tsc's declarations serve both builds: their relative imports end in .js and name no format. The maps point
// at ../src from one level deeper.
let declarations = 0
for (const file of walk(esm, (f) => f.endsWith('.d.ts') || f.endsWith('.d.ts.map'))) {
  const target = join(cjs, relative(esm, file))
  mkdirSync(dirname(target), { recursive: true })
  if (file.endsWith('.map')) {
    const map = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[] }
    map.sources = map.sources.map((s) => `../${s}`)
    writeFileSync(target, JSON.stringify(map))
  } else {
    copyFileSync(file, target)
    declarations++
  }
}
writeFileSync(join(cjs, 'package.json'), '{ "type": "commonjs" }\n')
console.log(`build-cjs: ${entryPoints.length} modules to dist/cjs (${rewired} on the bundled superjson), ${declarations} declarations beside them`)
