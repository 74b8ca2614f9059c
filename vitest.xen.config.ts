import { defineConfig } from 'vitest/config';

/**
 * The real-Xen tier: one Xen 4.17 VM under QEMU (booted by test/xen/global-setup.ts) shared by every
 * file, so files and tests run one at a time. Run with: npm run build && npx vitest run --config vitest.xen.config.ts
 */
export default defineConfig({
  test: {
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
