/**
 * The template's Forge config, loaded by Forge's own loader (jiti, as `electron-forge package` does), and its
 * packager ignore checked against the out/ clash. No browser and no Electron needed.
 */
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import type { ForgeConfig } from '@electron-forge/shared-types'

const root = join(__dirname, '../..')

test('Forge loads forge.config.ts, writes to dist-forge, and packages out/ and resources/ only', async () => {
  const { default: loadConfig } = (await import('@electron-forge/core/dist/util/forge-config.js')) as unknown as {
    default: { default: (dir: string) => Promise<ForgeConfig> }
  }
  const config = await loadConfig.default(root)
  expect(config.outDir).toBe('dist-forge')
  expect(config.makers).toHaveLength(1)
  const ignore = config.packagerConfig?.ignore as (path: string) => boolean
  for (const kept of ['', '/package.json', '/out', '/out/main/index.js', '/out/preload/index.js', '/out/renderer/index.html', '/resources', '/resources/sample/readme.txt']) {
    expect(ignore(kept), kept).toBe(false)
  }
  for (const dropped of ['/node_modules', '/node_modules/sluice/dist/main/index.js', '/src', '/src/main/api.ts', '/packages', '/e2e', '/dist-forge', '/forge.config.ts', '/electron.vite.config.ts', '/output', '/outside.txt']) {
    expect(ignore(dropped), dropped).toBe(true)
  }
})
