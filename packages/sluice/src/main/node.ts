/**
 * `sluice/main` for Node (the package's `node` export condition): the same entry, plus Node's
 * AsyncLocalStorage imported statically. Main is always Node, but the core never imports a Node built-in (it
 * also serves browser Web Workers) and finds AsyncLocalStorage at run time through `process.getBuiltinModule`,
 * which Electron 30–31's Node (20.11, 20.14) does not have. Runtimes that resolve the `node` condition (Node,
 * Electron's main process, Vite's SSR build of an Electron main) load this module instead, so `getContext()`
 * follows every `await` there whatever the Node version.
 */
// @ts-ignore -- the library builds without Node's types (tsconfig.build.json: "types": []); with them (the
// tests' tsconfig) this resolves, so @ts-expect-error would fail there. AsyncLocalStorageClass types its use.
import { AsyncLocalStorage } from 'node:async_hooks'
import { type AsyncLocalStorageClass, useAsyncLocalStorage } from './context.js'

useAsyncLocalStorage(AsyncLocalStorage as AsyncLocalStorageClass)

// The very same entry, not a second list of names that could drift from it.
export * from './index.js'
