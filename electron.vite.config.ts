import { defineConfig } from 'electron-vite'

// electron-vite leaves every package in `dependencies` external (a runtime require). A sandboxed preload can
// require only electron, events, timers and url, so sluice is bundled into it, and into main, so the packaged
// app needs no node_modules.
const bundled = { exclude: ['sluice', 'superjson'] }

export default defineConfig({
  main: { build: { externalizeDeps: bundled } },
  preload: { build: { externalizeDeps: bundled } },
  renderer: {},
})
