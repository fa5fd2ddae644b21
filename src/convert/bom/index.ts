// The model bill of materials: what went into an image (inventory.ts) as an SPDX document
// (spdx.ts). Pure: the frontend attaches it to the result as an in-toto attestation.

export { inventory, toolImageRefs } from './inventory.js';
export type { ImageEntry, Inventory, InventoryOptions, ModelFileEntry, RuntimeEntry } from './inventory.js';
export { serializeSpdx, SPDX_PREDICATE_TYPE, spdxDocument, spdxTime } from './spdx.js';
export type { SpdxDocument, SpdxOptions, SpdxPackage } from './spdx.js';
