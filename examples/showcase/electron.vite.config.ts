import { defineConfig } from 'electron-vite'

/**
 * electron-vite leaves every package in `dependencies` external (a runtime `require`) in main and preload.
 * A sandboxed preload can only require electron, events, timers and url, so sluice must be bundled into it;
 * it is bundled into main too, so the packaged app needs no node_modules at all. So is rxjs (main's liveSearch):
 * any package main imports must be listed here, or the packaged app fails at its first `require`.
 */
const bundled = { exclude: ['sluice', 'superjson', 'rxjs'] }

export default defineConfig({
  main: {
    build: {
      externalizeDeps: bundled,
      // Two entries: the app, and the utility process's script that main forks (out/main/hashing-host.js).
      rollupOptions: { input: { index: 'src/main/index.ts', 'hashing-host': 'src/main/hashing-host.ts' } },
    },
  },
  preload: {
    // CJS: the package has no "type": "module", so electron-vite emits out/preload/index.js as CommonJS,
    // which is what a sandboxed preload runs.
    build: { externalizeDeps: bundled },
  },
  renderer: {},
})
