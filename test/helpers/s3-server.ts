import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The bucket every S3 test and benchmark uses (on their own prefixes). */
export const TEST_BUCKET = 'hpo-test';

/**
 * Starts a real S3-protocol server (s3rver 3.7, objects on disk in a temp folder) on a free
 * loopback port. s3rver checks request signatures against the key pair S3RVER / S3RVER, which
 * the caller puts in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
 */
export async function startS3Server(): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const moduleName = 's3rver'; // untyped package: imported by name
  const { default: S3rver } = (await import(moduleName)) as unknown as { default: new (o: Record<string, unknown>) => S3rverLike };
  const directory = await mkdtemp(path.join(os.tmpdir(), 'hpo-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: TEST_BUCKET }] });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

interface S3rverLike {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
