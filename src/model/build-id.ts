/**
 * How xlp writes the hex strings it compares: a GNU build-id (the hypervisor's, as `xl info` prints
 * it, or a payload's note) and a sha256 digest, both lowercase hex without separators. One encoding
 * of each rule: the simulator's build-id option, the manifest and its JSON Schema
 * (docs/schema/manifest.schema.json, whose patterns a test holds to these) use them.
 */

/** An even number of lowercase hex digits, 2 to 128 (a build-id note's descriptor; usually 40 for SHA-1). */
export const BUILD_ID_HEX = /^(?:[0-9a-f]{2}){1,64}$/;

export const BUILD_ID_RULE = 'an even number of lowercase hex digits, 2 to 128 (usually 40), e.g. the build_id line of `xl info`';

/** 64 lowercase hex digits, as sha256sum prints them. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;
