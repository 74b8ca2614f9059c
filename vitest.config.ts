import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-Xen tier boots a VM and has its own config: vitest.xen.config.ts.
    exclude: [...configDefaults.exclude, 'test/xen/**'],
    // oclif prints through console.log; vitest would swallow it otherwise.
    disableConsoleIntercept: true,
    globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/payload-fixtures-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
