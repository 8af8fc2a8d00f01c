/**
 * Electron Forge 7 packages and makes the app from electron-vite's output (npm run package / npm run make;
 * both build first). No Forge Vite plugin: electron-vite builds, Forge only packages.
 *
 * Mind the clash (ELECTRON-FACTS §7): electron-vite builds into out/, which is also Forge's default output
 * directory and which Forge's default packager ignore ([/^\/out\//]) leaves out of the package. So Forge
 * writes to dist-forge/, and the ignore below replaces the default: it keeps package.json, out/ and
 * resources/ (the sample files) and drops everything else. Main and preload bundle sluice
 * (electron.vite.config.ts), so the packaged app needs no node_modules.
 */
import { MakerZIP } from '@electron-forge/maker-zip'
import type { ForgeConfig } from '@electron-forge/shared-types'

const KEEP = [/^\/package\.json$/, /^\/out(\/|$)/, /^\/resources(\/|$)/]

/** electron-packager's ignore: called with paths relative to the app root, each starting with '/'. */
export function ignore(path: string): boolean {
  if (path === '' || path === '/') return false
  return !KEEP.some((re) => re.test(path))
}

const config: ForgeConfig = {
  outDir: 'dist-forge',
  packagerConfig: {
    name: 'sluice-starter',
    asar: true,
    ignore,
  },
  makers: [new MakerZIP({}, ['darwin', 'linux', 'win32'])],
}

export default config
