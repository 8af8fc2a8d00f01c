/**
 * Electron end-to-end tests (npm run test:electron): the electron-vite build of the template, launched with
 * Playwright's `_electron`, exercising the real handshake, window close, reload and a renderer crash.
 *
 * They need an Electron binary. Where there is none (no network to download it), every spec skips and says
 * why; nothing is faked. CI installs the binary (`npx install-electron --no`) and runs them under xvfb-run.
 */
import { defineConfig } from '@playwright/test'

export default defineConfig({
  testDir: 'e2e/electron',
  globalSetup: './e2e/electron/global-setup.ts',
  timeout: 90_000,
  expect: { timeout: 20_000 },
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  outputDir: '../../test-results/showcase-electron',
  use: { trace: { mode: 'retain-on-failure', screenshots: false } },
})
