import { defineConfig } from 'vitest/config';
import { tierSeries } from './test/xen/series.js';

/**
 * The real-Xen tier, for one hypervisor: XLP_XEN_VERSION (4.17 or 4.20) names it. One VM under QEMU
 * (booted by test/xen/global-setup.ts) is shared by every file, so files and tests run one at a time.
 * `npm run test:xen` (scripts/xen-vm/tier.sh) runs it for every series, one VM after the other.
 * One series: npm run build && XLP_XEN_VERSION=4.20 npx vitest run --config vitest.xen.config.ts
 */
const series = tierSeries();

export default defineConfig({
  test: {
    // The project name prefixes every test line and failure: `|xen-4.20| test/xen/...`.
    name: `xen-${series}`,
    include: ['test/xen/**/*.test.ts'],
    disableConsoleIntercept: true,
    globalSetup: ['test/xen/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    // Fetching the Debian packages and booting the VM, on a cold cache and a busy 2-core machine.
    hookTimeout: 600_000,
    pool: 'forks',
  },
});
