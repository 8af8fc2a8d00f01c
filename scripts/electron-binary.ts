/**
 * Is there an Electron binary to run? Answered without `require('electron')`: from Electron 42 on, requiring
 * the npm package from Node tries to download the binary, which fails offline.
 *
 * Looks, in order, at ELECTRON_EXEC_PATH (electron-vite's override), ELECTRON_OVERRIDE_DIST_PATH (the electron
 * package's own), and node_modules/electron/path.txt + dist/ (what `npx install-electron --no` leaves).
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

export type ElectronBinary = { path: string; reason?: undefined } | { path?: undefined; reason: string }

/** The electron package's folder as `from` resolves it (an npm workspace finds the root's), without loading it. */
function electronPackage(from: string): string | undefined {
  try {
    return dirname(require.resolve('electron/package.json', { paths: [from] }))
  } catch {
    return undefined
  }
}

export function findElectron(from: string = join(__dirname, '..')): ElectronBinary {
  const pkg = electronPackage(from) ?? join(from, 'node_modules', 'electron')
  const pathFile = join(pkg, 'path.txt')
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined
  const exec = process.env.ELECTRON_EXEC_PATH
  if (exec) return existsSync(exec) ? { path: exec } : { reason: `ELECTRON_EXEC_PATH is set to ${exec}, which does not exist` }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  if (override) {
    const candidate = join(override, relative ?? 'electron')
    return existsSync(candidate) ? { path: candidate } : { reason: `ELECTRON_OVERRIDE_DIST_PATH is set, but ${candidate} does not exist` }
  }
  if (!existsSync(join(pkg, 'package.json'))) return { reason: 'the electron package is not installed (run npm ci)' }
  if (relative === undefined) {
    return {
      reason:
        'no Electron binary: node_modules/electron/path.txt is missing. Electron 42+ downloads its binary on first use; ' +
        'run `npx install-electron --no` on a machine that can reach the Electron download host (CI does), ' +
        'or point ELECTRON_OVERRIDE_DIST_PATH at an unpacked Electron',
    }
  }
  const binary = join(pkg, 'dist', relative)
  return existsSync(binary) ? { path: binary } : { reason: `no Electron binary at ${binary}: run \`npx install-electron --no\`` }
}
