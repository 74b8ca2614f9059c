/**
 * Why the simulated Xen refuses an upload: the errno the hypercall returns, and which of Xen's
 * checks said no. The check is named after Xen's own function so that a refusal can be traced to
 * the source it was written from, and it carries no numbers so that refusals of the same kind
 * compare equal (the differential test groups disagreements by it).
 */
export class Refusal {
  constructor(
    readonly errno: number,
    /** `<Xen function>: <condition>`, e.g. "elf_resolve_sections: alignment not a power of two". */
    readonly check: string,
    /** The same with the numbers of this file: which section, which value. */
    readonly detail: string = check,
    /** Console lines Xen prints for it (without the "(XEN) " prefix), where the simulator models them. */
    readonly console: readonly string[] = [],
  ) {}
}

export const isRefusal = (value: unknown): value is Refusal => value instanceof Refusal;
