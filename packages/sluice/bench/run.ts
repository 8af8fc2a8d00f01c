/**
 * `npm run bench` starts here. It measures sluice as it ships, not as tsx serves it: tsx compiles with esbuild's
 * `keepNames`, which wraps every function expression in a `__name(fn, "…")` call (an Object.defineProperty),
 * so each closure sluice creates per call or per item would cost extra only under the benchmark. So this file
 * transpiles src/ and the bench's own files with TypeScript (ES2022, no type check, as `npm run build` emits
 * them) into bench/.build/, and runs the bench from there, workers included.
 *
 * `run.ts profile <row>` runs bench/profile.ts (one row in a loop, for --cpu-prof) the same way.
 *
 * `BENCH_TSX=1 npm run bench` skips that and runs everything from the .ts sources through tsx instead.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'

if (process.env.BENCH_TSX) {
  await import('./main.ts' as string)
} else {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const out = join(root, 'bench', '.build')
  rmSync(out, { recursive: true, force: true })
  const sources = [
    ...readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).map((f) => join('src', f)),
    ...['api.ts', 'comlink.ts', 'knobs.ts', 'report.ts', 'worker.ts', 'main.ts', 'profile.ts'].map((f) => join('bench', f)),
  ].filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  for (const rel of sources) {
    const { outputText } = ts.transpileModule(readFileSync(join(root, rel), 'utf8'), {
      fileName: rel,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, isolatedModules: true },
    })
    const target = join(out, rel.replace(/\.ts$/, '.js'))
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, outputText)
  }
  // `run.ts profile <row>` starts bench/profile.ts instead (see there).
  const entry = process.argv[2] === 'profile' ? 'profile.js' : 'main.js'
  await import(pathToFileURL(join(out, 'bench', entry)).href)
}
