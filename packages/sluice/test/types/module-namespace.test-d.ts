/** Client<typeof import(module)> works on a real module namespace, with classes and constants mixed in. */
import { expectTypeOf } from 'vitest'
import type { Client, StreamCall } from '../../src/shared/index.js'
import type * as fixture from '../fixtures/api.js'

declare const api: Client<typeof fixture>

expectTypeOf(api.add).returns.toEqualTypeOf<Promise<number>>()
expectTypeOf(api.count).returns.toEqualTypeOf<StreamCall<number, string>>()
expectTypeOf(api.nested.math.mul).returns.toEqualTypeOf<Promise<number>>()
expectTypeOf(api.processFiles).returns.toEqualTypeOf<StreamCall<{ path: string; done: number; total: number }, { ok: number; failed: string[] }>>()
// @ts-expect-error -- a constant export is not callable
void api.notAFunction
