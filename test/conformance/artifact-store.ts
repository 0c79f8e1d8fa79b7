import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArtifactBytes, type ArtifactStore } from '../../src/artifacts/index.ts';
import { spawnTsx } from '../helpers/spawn-tsx.ts';
import { ROOT, tempDir } from '../helpers/temp.ts';

export interface ArtifactSubject {
  /** A spec naming a fresh, empty store (its own folder / prefix). */
  spec: string;
  open(): Promise<ArtifactStore>;
  cleanup(): Promise<void>;
}

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const FIXTURES = path.join(ROOT, 'test/artifacts/fixtures');

/**
 * The one suite every ArtifactStore backend passes: streaming round trips with sha256 and size,
 * atomic replace, verified downloads, safe keys, concurrent writers, a killed writer, and a
 * 200 MiB round trip in a child process whose RSS must grow by less than 64 MiB.
 */
export function runArtifactStoreConformance(name: string, makeSubject: () => Promise<ArtifactSubject>): void {
  describe(`ArtifactStore conformance: ${name}`, () => {
    let subject: ArtifactSubject;
    let store: ArtifactStore;
    beforeAll(async () => {
      subject = await makeSubject();
      store = await subject.open();
    });
    afterAll(async () => {
      await store?.close();
      await subject?.cleanup();
    });

    it('puts bytes, text and streams; head, get, getFile and list agree on size and sha256', async () => {
      const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) % 251);
      const a = await store.put('runs/a.bin', bytes);
      expect(a).toMatchObject({ key: 'runs/a.bin', size: bytes.length, sha256: sha(bytes) });
      const b = await store.put('runs/b.txt', 'héllo');
      expect(b).toMatchObject({ size: 6, sha256: sha('héllo') });
      const c = await store.put('other/c.bin', Readable.from([Buffer.from('ab'), Buffer.from('cd')]));
      expect(c).toMatchObject({ size: 4, sha256: sha('abcd') });
      const empty = await store.put('runs/empty', new Uint8Array(0));
      expect(empty).toMatchObject({ size: 0, sha256: sha('') });

      expect(await store.head('runs/a.bin')).toMatchObject({ size: bytes.length, sha256: sha(bytes) });
      expect(Buffer.compare(await readArtifactBytes(store, 'runs/a.bin'), Buffer.from(bytes))).toBe(0);
      expect((await readArtifactBytes(store, 'runs/empty')).length).toBe(0);
      const { dir, cleanup } = await tempDir();
      try {
        const file = path.join(dir, 'deep/down/a.bin');
        expect(await store.getFile('runs/a.bin', file)).toMatchObject({ sha256: sha(bytes) });
        expect(sha(await readFile(file))).toBe(sha(bytes));
        const up = await store.putFile('runs/from-file.bin', file);
        expect(up).toMatchObject({ size: bytes.length, sha256: sha(bytes) });
      } finally {
        await cleanup();
      }
      expect((await store.list('runs/')).map((r) => [r.key, r.size])).toEqual([
        ['runs/a.bin', bytes.length],
        ['runs/b.txt', 6],
        ['runs/empty', 0],
        ['runs/from-file.bin', bytes.length],
      ]);
      expect((await store.list()).map((r) => r.key)).toContain('other/c.bin');
    });

    it('replaces on rewrite, deletes, and reports missing keys clearly', async () => {
      await store.put('x/v.txt', 'one');
      await store.put('x/v.txt', 'two!');
      expect(await store.head('x/v.txt')).toMatchObject({ size: 4, sha256: sha('two!') });
      expect((await readArtifactBytes(store, 'x/v.txt')).toString()).toBe('two!');
      expect(await store.delete('x/v.txt')).toBe(true);
      expect(await store.delete('x/v.txt')).toBe(false);
      expect(await store.head('x/v.txt')).toBeUndefined();
      await expect(store.get('x/v.txt')).rejects.toMatchObject({ code: 'ARTIFACT_NOT_FOUND', message: expect.stringContaining('"x/v.txt"') });
      await expect(store.getFile('x/v.txt', path.join(ROOT, 'never-written'))).rejects.toMatchObject({ code: 'ARTIFACT_NOT_FOUND' });
      expect((await store.list('x/')).length).toBe(0);
    });

    it('commits nothing when the bytes do not match the expected sha256', async () => {
      await expect(store.put('h/bad.bin', 'content', { sha256: sha('other') })).rejects.toMatchObject({
        code: 'ARTIFACT_HASH_MISMATCH',
        message: expect.stringContaining(sha('content')),
      });
      expect(await store.head('h/bad.bin')).toBeUndefined();
      await store.put('h/good.bin', 'content', { sha256: sha('content') });
      expect(await store.head('h/good.bin')).toMatchObject({ sha256: sha('content') });
    });

    it('refuses keys that could escape the store or clash with its bookkeeping', async () => {
      for (const bad of ['../x', '/etc/passwd', 'a//b', 'a/../b', '.tmp/x', 'a/.meta', '', 'a/', 'a b', 'x'.repeat(1100)]) {
        await expect(store.put(bad, 'x'), JSON.stringify(bad)).rejects.toMatchObject({ code: 'ARTIFACT_KEY_INVALID' });
        await expect(store.head(bad)).rejects.toMatchObject({ code: 'ARTIFACT_KEY_INVALID' });
      }
    });

    it('two writers of the same content, and of different content, leave one whole artifact', async () => {
      const other = await subject.open();
      try {
        const content = Buffer.alloc(3 * 1024 * 1024 + 17, 9);
        const same = await Promise.all([store.put('w/same.bin', content), other.put('w/same.bin', content)]);
        expect(same[0].sha256).toBe(sha(content));
        expect(same[1].sha256).toBe(sha(content));
        expect(await store.head('w/same.bin')).toMatchObject({ size: content.length, sha256: sha(content) });
        expect(sha(await readArtifactBytes(other, 'w/same.bin'))).toBe(sha(content));

        const one = Buffer.alloc(2 * 1024 * 1024 + 3, 1);
        const two = Buffer.alloc(1024 * 1024 + 5, 2);
        await Promise.all([store.put('w/race.bin', one), other.put('w/race.bin', two)]);
        const bytes = await readArtifactBytes(store, 'w/race.bin');
        expect([sha(one), sha(two)]).toContain(sha(bytes));
        expect(await store.head('w/race.bin')).toMatchObject({ size: bytes.length, sha256: sha(bytes) });
      } finally {
        await other.close();
      }
    });

    it('a writer killed mid-upload leaves nothing under the key; the upload then runs again whole', async () => {
      const key = `killed/${randomUUID()}.bin`;
      const writer = spawnTsx(path.join(FIXTURES, 'slow-put.ts'), [subject.spec, key]);
      await writer.waitFor('uploading');
      writer.child.kill('SIGKILL');
      await writer.exit;
      expect(await store.head(key)).toBeUndefined();
      expect((await store.list('killed/')).length).toBe(0);
      await store.sweepUploads(0);
      const again = Buffer.alloc(5 * 1024 * 1024, 4);
      expect(await store.put(key, again)).toMatchObject({ size: again.length, sha256: sha(again) });
      expect(sha(await readArtifactBytes(store, key))).toBe(sha(again));
    }, 120_000);

    it('round-trips 200 MiB through put, get and getFile with RSS growth under 64 MiB', async () => {
      const run = spawnTsx(path.join(FIXTURES, 'round-trip.ts'), [subject.spec, '200', `big/${randomUUID()}.bin`], { nodeArgs: ['--expose-gc'] });
      const code = await run.exit;
      expect(code, run.stderr()).toBe(0);
      const result = JSON.parse(run.stdout().trim().split('\n').at(-1)!);
      expect(result.size).toBe(200 * 2 ** 20);
      expect(result.putSha).toBe(result.expectedSha);
      expect(result.getSha).toBe(result.expectedSha);
      expect(result.gotBytes).toBe(200 * 2 ** 20);
      expect(result.fileSize).toBe(200 * 2 ** 20);
      expect(result.growthMiB).toBeLessThan(64);
    }, 300_000);
  });
}
