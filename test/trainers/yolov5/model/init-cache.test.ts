import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createYoloModel, initBackend, type YoloModel } from '../../../../src/trainers/yolov5/model/index.ts';
import { createSeededModel, initCacheFile } from '../../../../src/trainers/yolov5/model/init-cache.ts';

const models: YoloModel[] = [];
const track = (m: YoloModel): YoloModel => (models.push(m), m);
const bytes = (m: YoloModel) => Buffer.from(m.serialize());
// Compared by digest: a deep equality of two 7 MB buffers takes vitest minutes.
const digest = (m: YoloModel) => createHash('sha256').update(m.serialize()).digest('hex');
let dir: string;

beforeAll(async () => {
  expect(await initBackend('wasm')).toBe('wasm');
  dir = mkdtempSync(path.join(os.tmpdir(), 'hpo-init-cache-'));
});
afterEach(() => models.splice(0).forEach((m) => m.dispose()));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createSeededModel', () => {
  const options = { size: 'n' as const, nc: 2, seed: 7 };

  it('draws and saves on a miss, then loads the same weights from the file', async () => {
    const drawn = bytes(track(createYoloModel(options)));
    const file = initCacheFile(dir, options);
    expect(digest(track(createSeededModel(options, dir)))).toBe(digest(models[0]));
    expect(statSync(file).size).toBeGreaterThan(drawn.length);
    expect(digest(track(createSeededModel(options, dir)))).toBe(digest(models[0]));

    // The second model came from the file: a value changed there shows up in it.
    const saved = readFileSync(file);
    saved.writeFloatLE(0.5, saved.length - 4);
    writeFileSync(file, saved);
    const loaded = bytes(track(createSeededModel(options, dir)));
    expect(loaded.readFloatLE(loaded.length - 4)).toBe(0.5);
    expect(drawn.readFloatLE(drawn.length - 4)).not.toBe(0.5);
  });

  it('ignores and replaces a file of another seed, a cut-short file and a foreign one', async () => {
    const drawn = digest(track(createYoloModel(options)));
    const file = initCacheFile(dir, options);
    rmSync(file, { force: true });
    track(createSeededModel(options, dir));
    const good = readFileSync(file);
    const other = { ...options, seed: 8 };
    track(createSeededModel(other, dir));
    const spoilers: [string, () => void][] = [
      ['another seed', () => copyFileSync(initCacheFile(dir, other), file)],
      ['cut short', () => writeFileSync(file, readFileSync(initCacheFile(dir, other)).subarray(0, 1000))],
      ['foreign', () => writeFileSync(file, 'not weights')],
    ];
    for (const [what, spoil] of spoilers) {
      spoil();
      expect(digest(track(createSeededModel(options, dir))), what).toBe(drawn);
      expect(readFileSync(file).equals(good), `${what}: replaced`).toBe(true);
    }
  });

  it('a file saved from another layout (other class count) is drawn again', async () => {
    const three = { ...options, nc: 3 };
    track(createSeededModel(three, dir));
    copyFileSync(initCacheFile(dir, three), initCacheFile(dir, options));
    expect(digest(track(createSeededModel(options, dir)))).toBe(digest(track(createYoloModel(options))));
  });

  it("a save removes temporary files that died writers left over 10 minutes ago, not a live writer's", async () => {
    const stale = `${initCacheFile(dir, options)}.999999.tmp`;
    const live = `${initCacheFile(dir, options)}.999998.tmp`;
    writeFileSync(stale, 'half a file');
    writeFileSync(live, 'being written');
    const old = new Date(Date.now() - 20 * 60_000);
    utimesSync(stale, old, old);
    rmSync(initCacheFile(dir, options), { force: true });
    track(createSeededModel(options, dir));
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(initCacheFile(dir, options))).toBe(true);
    rmSync(live);
  });

  it('a cache that cannot be written still gives the seeded model', async () => {
    const blocked = path.join(dir, 'blocked');
    writeFileSync(blocked, 'a file where the folder would be');
    expect(digest(track(createSeededModel(options, blocked)))).toBe(digest(track(createYoloModel(options))));
  });
});
