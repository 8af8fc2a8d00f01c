/**
 * sluice's EventMap is typed-emitter's, kept locally so installing sluice does not install typed-emitter's
 * optional rxjs. Maps written for either fit the other.
 */
import type { EventMap as TypedEmitterEventMap } from 'typed-emitter'
import { expectTypeOf } from 'vitest'
import type { EventMap } from '../../src/shared/event-map.js'

expectTypeOf<EventMap>().toEqualTypeOf<TypedEmitterEventMap>()
type AppEvents = { progress: (done: number, total: number) => void; notice: (text: string) => void }
expectTypeOf<AppEvents>().toMatchTypeOf<EventMap>()
expectTypeOf<AppEvents>().toMatchTypeOf<TypedEmitterEventMap>()
