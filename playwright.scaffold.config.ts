/**
 * npm run test:scaffold: fresh apps from `npm create @quick-start/electron`, with the packed sluice and the
 * README's steps (e2e/scaffold). Minutes long and needs the npm registry, so it is not in `npm test`; .ci/run
 * runs it. Needs sluice built (npm ci does it).
 */
import { defineConfig } from '@playwright/test'

export default defineConfig({
  testDir: 'e2e/scaffold',
  timeout: 600_000,
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results/scaffold',
})
