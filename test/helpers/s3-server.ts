import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

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
  commitPutsWhole(server.store);
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
  store: FilesystemStoreLike;
}

interface S3rverObject { bucket: string; key: string; content: Buffer | Readable; metadata: Record<string, string> }
interface FilesystemStoreLike {
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
}

/**
 * S3 makes each PUT visible whole (the last one wins). s3rver 3.7 truncates and writes the object
 * file in place, and answers before the bytes are flushed, so two concurrent PUTs of one key could
 * leave bytes neither sent (the conformance test's race failed 1 run in 3 under load). Here its
 * store writes each PUT (multipart completions included) to a file of its own and renames it over
 * the object, one commit per key at a time, as S3 does.
 */
function commitPutsWhole(store: FilesystemStoreLike): void {
  const commits = new Map<string, Promise<unknown>>();
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(path.dirname(objectPath), { recursive: true });
    const tmp = `${objectPath}.${randomUUID()}.upload`;
    const md5 = createHash('md5');
    let size = 0;
    const count = new Transform({ transform(chunk: Buffer, _encoding, done) { md5.update(chunk); size += chunk.length; done(null, chunk); } });
    await pipeline(Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content, count, createWriteStream(tmp));
    const digest = md5.digest('hex');
    const key = `${object.bucket}/${object.key}`;
    const commit = (commits.get(key) ?? Promise.resolve()).catch(() => {}).then(async () => {
      await rename(tmp, objectPath);
      await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    });
    commits.set(key, commit);
    try {
      await commit;
    } finally {
      if (commits.get(key) === commit) commits.delete(key);
    }
    return { size, md5: digest };
  };
}
