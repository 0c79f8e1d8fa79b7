import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { openArtifactStore } from '../../src/artifacts/index.ts';
import { runArtifactStoreConformance } from '../conformance/artifact-store.ts';
import { TEST_BUCKET } from '../helpers/s3-server.ts';
import { tempDir } from '../helpers/temp.ts';

runArtifactStoreConformance('folder', async () => {
  const { dir, cleanup } = await tempDir('hpo-artifacts-');
  const spec = `file://${dir}/store`;
  return { spec, open: () => openArtifactStore(spec), cleanup };
});

runArtifactStoreConformance('s3 (s3rver on loopback)', async () => {
  const endpoint = process.env.HPO_TEST_S3_ENDPOINT;
  if (!endpoint) throw new Error('HPO_TEST_S3_ENDPOINT is unset: test/setup/s3.ts starts the S3 server; run through vitest.');
  const spec = `s3://${TEST_BUCKET}/test-${randomUUID()}?endpoint=${encodeURIComponent(endpoint)}`;
  return { spec, open: () => openArtifactStore(spec), cleanup: async () => {} };
});

runArtifactStoreConformance('redis (chunked)', async () => {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `test-${randomUUID()}:`;
  const spec = `${url}?prefix=${encodeURIComponent(prefix)}`;
  return {
    spec,
    open: () => openArtifactStore(spec),
    cleanup: async () => {
      const redis = new Redis(url);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    },
  };
});
