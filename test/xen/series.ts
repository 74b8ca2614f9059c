/**
 * The hypervisors the real-Xen tier boots, each from its own Debian release (scripts/xen-vm/lib.sh).
 * No vitest imports here, so vitest.xen.config.ts and the global setup can use it.
 */
export const XEN_SERIES = ['4.17', '4.20'] as const;
export type XenSeries = (typeof XEN_SERIES)[number];

/** The series one run of the tier tests: XLP_XEN_VERSION (scripts/xen-vm/tier.sh runs every series). */
export function tierSeries(env: NodeJS.ProcessEnv = process.env): XenSeries {
  const series = env.XLP_XEN_VERSION;
  const known = XEN_SERIES.find((candidate) => candidate === series);
  if (known === undefined) {
    throw new Error(`XLP_XEN_VERSION must be one of ${XEN_SERIES.join(', ')} (got '${series ?? ''}'): run the tier with \`npm run test:xen\`, or e.g. XLP_XEN_VERSION=4.20 npx vitest run --config vitest.xen.config.ts`);
  }
  return known;
}

/** One `label : value` field of `xl info` output. */
export function xlInfoField(info: string, field: string): string {
  const line = info.split('\n').find((candidate) => candidate.startsWith(`${field} `));
  if (line === undefined) throw new Error(`xl info has no ${field}`);
  return line.slice(line.indexOf(':') + 1).trim();
}
