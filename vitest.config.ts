import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Redis and child-process tests share one machine with 2 cores: keep file parallelism low.
    maxWorkers: 2,
    globalSetup: ['test/setup/redis.ts', 'test/setup/s3.ts', 'test/setup/cache.ts'],
  },
});
