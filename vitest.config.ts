import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start simulator and `btoe` processes; two workers suit the 2-core machines.
    maxWorkers: 2,
    // The machine's own namespace sends nothing but loopback: no btoe process a test starts browses mDNS, except
    // where a netlab test turns discovery on inside the namespaces it made (test/netlab/lab.ts).
    env: { BTOE_DISCOVERY: 'off' },
  },
});
