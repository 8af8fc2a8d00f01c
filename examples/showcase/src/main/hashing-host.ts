/**
 * The utility process's entry (built beside index.js as out/main/hashing-host.js; see electron.vite.config.ts).
 * Main forks it and routes the page's `api.hashing.*` here (src/main/index.ts); each window's port is
 * transferred to this process, so the hash's progress flows page ↔ here and never through main's event loop.
 */
import { serveUtility } from 'sluice/main'
import * as hashingApi from './hashing'

serveUtility(hashingApi)
