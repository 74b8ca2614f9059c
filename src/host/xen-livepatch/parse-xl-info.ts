/**
 * The running hypervisor's build-id from `xl info`: the line `build_id               : <hex>`
 * (lowercase hex, no separators; empty when Xen was built without one).
 */

/** The build-id ('' when Xen has none), or undefined when the output has no well-formed build_id line. */
export function parseBuildId(stdout: string): string | undefined {
  // Blanks only, not \s: with an empty value \s* would run on into the next line.
  return /^build_id[ \t]*:[ \t]*([0-9a-f]*)[ \t]*$/m.exec(stdout)?.[1];
}
