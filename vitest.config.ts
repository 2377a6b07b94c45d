import { defineConfig } from 'vitest/config';

// Unit tests sit next to the pure code (controller/**); integration tests in test/ start real
// kube-apiservers, etcd, helm and git servers, so they get long timeouts and run one file at a time
// on this 2-core machine.
export default defineConfig({
  test: {
    include: ['controller/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
