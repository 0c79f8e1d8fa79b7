/**
 * `npm run bench:artifacts [-- --mib N --files N]`: put and get throughput of each artifact
 * backend (folder, S3 on a loopback s3rver, Redis) against `cp` of the same file, then `hpo data
 * sync` of many small files and a second sync with 1 % of them changed. Never part of npm test.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { openArtifactStore, type ArtifactStore } from '../src/artifacts/index.ts';
import { DatasetCatalog, syncFolder } from '../src/datasets/index.ts';
import { loadDatasetConfig } from '../src/trainers/yolov5/data/config.ts';
import { startS3Server, TEST_BUCKET } from '../test/helpers/s3-server.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const MIB = arg('mib', 128);
const FILES = arg('files', 10_000);
const root = path.join(os.tmpdir(), `hpo-bench-artifacts-${process.pid}`);
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
const rate = (bytes: number, ms: number) => bytes / 2 ** 20 / (ms / 1000);

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const out = await work();
  return [out, performance.now() - t];
}

async function main(): Promise<void> {
  await mkdir(root, { recursive: true });
  const source = path.join(root, 'source.bin');
  const block = randomBytes(2 ** 20);
  await writeFile(source, Buffer.concat(Array.from({ length: MIB }, () => block)));
  const cpStart = performance.now();
  if (spawnSync('cp', [source, path.join(root, 'cp.bin')]).status !== 0) throw new Error('cp failed');
  const cpMs = performance.now() - cpStart;
  const cpRate = rate(MIB * 2 ** 20, cpMs);
  console.log(`load average ${load()}; ${MIB} MiB file; cp ${cpRate.toFixed(0)} MB/s`);

  const s3 = await startS3Server();
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = `bench-${randomUUID()}:`;
  const backends: Array<[string, string]> = [
    ['folder', path.join(root, 'folder-store')],
    ['s3 (s3rver)', `s3://${TEST_BUCKET}/bench?endpoint=${encodeURIComponent(s3.endpoint)}`],
    ['redis', `${redisUrl}?prefix=${encodeURIComponent(redisPrefix)}&warnBytes=${2 ** 40}`],
  ];
  console.log('backend        put MB/s  (x cp)   get MB/s  (x cp)');
  for (const [name, spec] of backends) {
    const store: ArtifactStore = await openArtifactStore(spec);
    const [, putMs] = await timed(() => store.putFile('bench/big.bin', source));
    const [, getMs] = await timed(() => store.getFile('bench/big.bin', path.join(root, 'got.bin')));
    const put = rate(MIB * 2 ** 20, putMs);
    const get = rate(MIB * 2 ** 20, getMs);
    console.log(`${name.padEnd(14)} ${put.toFixed(0).padStart(8)}  (${(put / cpRate).toFixed(2)})  ${get.toFixed(0).padStart(8)}  (${(get / cpRate).toFixed(2)})`);
    await store.delete('bench/big.bin');
    await store.close();
  }
  await s3.close();
  // A deleted Redis artifact's chunks linger for readers still streaming them: drop them now.
  const redis = new Redis(redisUrl);
  for (const key of await redis.keys(`${redisPrefix}*`)) await redis.del(key);
  await redis.quit();

  // Many small files in a YOLO layout, synced into the folder backend (the file store's default).
  const folder = path.join(root, 'dataset');
  const pairs = Math.floor((FILES - 1) / 2);
  const val = Math.max(1, Math.floor(pairs / 10));
  await writeFile(path.join(await mkdirp(folder), 'data.yaml'), 'path: .\ntrain: images/train\nval: images/val\nnames: [a, b]\n');
  for (let i = 0; i < pairs; i++) {
    const split = i < val ? 'val' : 'train';
    await writeFile(path.join(await mkdirp(path.join(folder, 'images', split)), `${i}.jpg`), randomBytes(512));
    await writeFile(path.join(await mkdirp(path.join(folder, 'labels', split)), `${i}.txt`), `${i % 2} 0.5 0.5 0.2 0.${i % 10}\n`);
  }
  const total = 1 + 2 * pairs;
  const catalog = new DatasetCatalog(await openArtifactStore(path.join(root, 'dataset-store')));
  const [first, firstMs] = await timed(() => syncFolder(catalog, { project: 'bench', name: 'small', folder }, { validate: loadDatasetConfig }));
  const changed = Math.round(total / 100);
  for (let i = 0; i < changed; i++) await writeFile(path.join(folder, 'images', i < val ? 'val' : 'train', `${i}.jpg`), randomBytes(512));
  const [second, secondMs] = await timed(() => syncFolder(catalog, { project: 'bench', name: 'small', folder }, { validate: loadDatasetConfig }));
  console.log(`load average ${load()}`);
  console.log(`data sync of ${total} files: ${(total / (firstMs / 1000)).toFixed(0)} files/s (${(firstMs / 1000).toFixed(1)} s, ${first.uploaded} blobs uploaded)`);
  console.log(`second sync, ${changed} changed: ${(total / (secondMs / 1000)).toFixed(0)} files/s (${(secondMs / 1000).toFixed(1)} s, ${second.uploaded} blobs uploaded)`);
  await catalog.artifacts.close();
}

async function mkdirp(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rm(root, { recursive: true, force: true }));
