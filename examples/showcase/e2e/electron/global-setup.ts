/**
 * Builds the app once when an Electron binary exists (unless SLUICE_SKIP_BUILD is set: CI builds in its own
 * step); otherwise says, once, why the Electron specs skip, or fails when SLUICE_REQUIRE_ELECTRON is set.
 */
import { execSync } from 'node:child_process'
import { join } from 'node:path'
import { findElectron } from '../../../../scripts/electron-binary'

export default function globalSetup(): void {
  const electron = findElectron()
  if (electron.path === undefined) {
    if (process.env.SLUICE_REQUIRE_ELECTRON) throw new Error(`[electron e2e] SLUICE_REQUIRE_ELECTRON is set, but ${electron.reason}`)
    console.log(`\n[electron e2e] SKIPPING every Electron spec: ${electron.reason}.\n`)
    return
  }
  if (process.env.SLUICE_SKIP_BUILD) return
  console.log(`[electron e2e] using ${electron.path}; building the app (npm run build)…`)
  execSync('npm run build', { cwd: join(__dirname, '../..'), stdio: 'inherit' })
}
