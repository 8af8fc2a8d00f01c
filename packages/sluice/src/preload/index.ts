/**
 * `sluice/preload`: runs in the preload script. Process: Preload.
 */
export {}
