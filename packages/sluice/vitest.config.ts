import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    pool: 'forks',
    execArgv: ['--expose-gc'],
    // Vitest alone reports unhandled rejections but marks the tests green; this fails the test instead.
    setupFiles: ['test/__shared__/fail-on-unhandled.ts'],
  },
})
