import { defineConfig } from 'electron-vite'

// electron-vite leaves every package in `dependencies` external (a runtime require). A sandboxed preload can
// require only electron and a few built-ins, so everything it imports is bundled into it; main bundles sluice
// too, so the packaged app needs no node_modules.
export default defineConfig({
  main: { build: { externalizeDeps: { exclude: ['sluice'] } } },
  preload: { build: { externalizeDeps: false } },
  renderer: {},
})
