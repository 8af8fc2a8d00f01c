// Relays this window's sluice port to the page. The preload runs sandboxed, so sluice is bundled into it.
import { exposeBridge } from 'sluice/preload'

exposeBridge()
