/**
 * Size budget per entry: each ESM entry of dist bundled with its dependencies (superjson included), minified
 * and gzipped, as an app's bundler would ship it. `electron` and Node built-ins stay external, as they do in
 * any Electron or Node bundle. Fails when an entry outgrows its budget; the budget moves only on purpose,
 * with the README's table (`npm run size -w sluice` prints the figures).
 */
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
/** Bytes, min+gzip. About 10% above the size when the budget was set, so growth is a decision, not drift. */
const BUDGET: Record<string, { file: string; bytes: number }> = {
  // Raised on purpose: main gained off-main hosts (utilityHost/serveUtility, about 1.5 kB), the call
  // lifecycle, the flow engine and the preload diagnostics; the renderer gained routing and the adaptive window.
  // Channel acks, binary, abort and onOpen (issue 12) added about 0.6 kB to main and 1.1 kB to the client entries.
  // Files and Blobs (the blob ref kind, RemoteFile, RemoteDownload, download()) added about 2.4 kB to main and
  // 2.7 kB to the renderer and preload bundles: each budget rose by that much.
  // Observables both ways (refs/observables.ts) added about 1.4 kB to every side's entry. Together, issue 12's
  // features took main from 24.8 to 31.0 kB and the client entries from 19.9 to 25.9 kB (real Blobs wherever a host
  // Blob arrives, refs/arrivals.ts, was 1.2 kB of that); budgets sit just above.
  // One family of item frames (issue 8: a stream call's result is its stream, sent as a ref) removed the client's
  // own stream queue but taught the shared engine an iterator's return value, a pre-granted first window and an
  // awaited stream's discard mode: +0.2 kB main, +0.5 kB to the client entries (with the review's fixes: an
  // awaited call's Blob yields skipped unread, a late return value disposed).
  sluice: { file: 'dist/shared/index.js', bytes: 5_200 },
  'sluice/main': { file: 'dist/main/index.js', bytes: 33_100 },
  'sluice/preload': { file: 'dist/preload/index.js', bytes: 28_000 },
  'sluice/renderer': { file: 'dist/renderer/index.js', bytes: 28_100 },
}

const rows: string[] = []
const over: string[] = []
for (const [entry, { file, bytes }] of Object.entries(BUDGET)) {
  const out = await build({
    absWorkingDir: root,
    entryPoints: [file],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['electron', 'node:*'],
    write: false,
    logLevel: 'error',
  })
  const min = out.outputFiles[0]!.contents
  const gz = gzipSync(min, { level: 9 }).length
  rows.push(`${entry.padEnd(16)} ${(min.length / 1024).toFixed(1).padStart(6)} kB min  ${(gz / 1024).toFixed(1).padStart(5)} kB min+gzip  (budget ${(bytes / 1024).toFixed(1)} kB)`)
  if (gz > bytes) over.push(`${entry}: ${gz} B min+gzip, over its budget of ${bytes} B by ${gz - bytes} B`)
}
console.log(`check-size:\n  ${rows.join('\n  ')}`)
if (over.length > 0) {
  console.error(
    `check-size: over budget:\n  ${over.join('\n  ')}\n` +
      'Cut the growth, or raise BUDGET in packages/sluice/scripts/check-size.ts and the sizes in packages/sluice/README.md together.',
  )
  process.exit(1)
}
