import { defineConfig } from 'vitest/config';

/**
 * Two projects: fast unit tests beside their modules (`*.test.ts`) and
 * socket/process integration tests (`*.int.test.ts`) that bind loopback
 * port 0. Integration tests run in forks so a stuck socket cannot wedge
 * the unit run, with generous timeouts because the machine is shared.
 */
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{protocol,reference-server,harness}/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{protocol,reference-server,harness}/**/*.int.test.ts'],
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['protocol/**/*.ts', 'reference-server/**/*.ts', 'harness/**/*.ts'],
      exclude: ['**/*.test.ts', '**/*.bench.ts', '**/main.ts', '**/worker-main.ts', '**/*.d.ts', '**/test-support.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 80, branches: 80 },
    },
  },
});
