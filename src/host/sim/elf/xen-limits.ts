/** Sizes the simulated Xen lives by while it loads a payload. */

/** LIVEPATCH_MAX_SIZE: the largest upload, and the largest writable or allocated NOBITS section. */
export const LIVEPATCH_MAX_SIZE = 2n * 1024n * 1024n;

export const PAGE_SIZE = 4096n;

/**
 * What Xen can still allocate for one payload. On x86 the payload area is what is left of Xen's
 * 1 GiB virtual range once its image is mapped, and the host needs the memory too; the simulated
 * host has 1 GiB less 16 MiB. Bigger needs get ENOMEM (real payloads need a few pages).
 */
export const FREE_MEMORY = 1024n * 1024n * 1024n - 16n * 1024n * 1024n;
