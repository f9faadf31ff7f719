/**
 * Fast non-cryptographic hashes over `string` (hashed as its UTF-8 bytes) and `Uint8Array` input,
 * with integer math only (`Math.imul`, `>>> 0`) and no BigInt.
 *
 * Strings are encoded into one module-level scratch buffer, so hashing a string allocates nothing
 * once the buffer has grown to fit.
 */

export { fmix32, fnv1a32, fnv1a64 } from './fnv.js';
export { assertHashInput, type HashInput, scratchBytes, utf8IntoScratch } from './hash-input.js';
export { xxHash32 } from './xxhash32.js';
export { xxHash64 } from './xxhash64.js';
