/**
 * The starter in real Electron (npm run test:electron): the electron-vite build launched with Playwright's
 * `_electron`. They need an Electron binary; where there is none, every spec skips and says why (nothing is
 * faked). CI installs the binary (`npx install-electron --no`) and runs them under xvfb-run. The showcase's
 * Electron specs are in examples/showcase.
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
  outputDir: 'test-results/electron',
  use: { trace: { mode: 'retain-on-failure', screenshots: false } },
})
