import { readdir, rm, stat, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addFiles, closeVersion, fetchVersion, removeFiles, resolveDataParam, syncFolder, blobKey } from '../../src/datasets/index.ts';
import { spawnTsx } from '../helpers/spawn-tsx.ts';
import { ROOT, tempDir } from '../helpers/temp.ts';
import { folderCatalog, treeHashes, validate, writeYoloFolder } from './helpers.ts';

describe('dataset versions', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir('hpo-datasets-')));
  afterEach(() => cleanup());

  it('sync, change 1 % of the files, sync again: the child uploads only those; get reproduces each tree byte for byte', async () => {
    const src = path.join(dir, 'src');
    await writeYoloFolder(src, 80, 19); // 1 + 2 * 99 = 199 files
    const catalog = folderCatalog(path.join(dir, 'artifacts'));
    const first = await syncFolder(catalog, { project: 'p', name: 'shapes', folder: src }, { validate });
    expect(first.version).toMatchObject({ state: 'closed', yaml: 'data.yaml', project: 'p', name: 'shapes' });
    expect(first.version.parent).toBeUndefined();
    expect(first.version.files).toHaveLength(199);
    expect(first.uploaded).toBe(new Set(first.version.files.map((f) => f.sha256)).size);
    const original = await treeHashes(src);

    // Two files change (1 %), one appears, one goes.
    await writeFile(path.join(src, 'labels/train/3.txt'), '1 0.1 0.1 0.1 0.1\n');
    await writeFile(path.join(src, 'images/val/4.png'), 'a new picture');
    await writeFile(path.join(src, 'images/train/new.png'), 'new image bytes');
    await rm(path.join(src, 'images/train/7.png'));
    const second = await syncFolder(catalog, { project: 'p', name: 'shapes', folder: src }, { validate });
    expect(second.version.parent).toBe(first.version.id);
    expect({ added: second.added, modified: second.modified, removed: second.removed, unchanged: second.unchanged }).toEqual({ added: 1, modified: 2, removed: 1, unchanged: 196 });
    expect(second.uploaded).toBe(3);
    expect(second.version.files).toHaveLength(199);
    expect(second.version.contentHash).not.toBe(first.version.contentHash);

    const cache = path.join(dir, 'cache');
    const got = await fetchVersion(catalog, second.version.id, { cacheDir: cache });
    expect(got.downloaded).toBe(new Set(second.version.files.map((f) => f.sha256)).size);
    expect(await treeHashes(got.dir)).toEqual(await treeHashes(src));
    expect(got.yamlPath).toBe(path.join(got.dir, 'data.yaml'));
    expect((await stat(path.join(got.dir, 'images/train/0.png'))).nlink).toBeGreaterThanOrEqual(2); // hard-linked to the blob cache
    expect((await fetchVersion(catalog, second.version.id, { cacheDir: cache })).downloaded).toBe(0);
    // The parent is still the old tree; only the blobs the cache lacks are fetched.
    const old = await fetchVersion(catalog, first.version.id, { cacheDir: cache, out: path.join(dir, 'out-old') });
    expect(await treeHashes(old.dir)).toEqual(original);
    const inCache = new Set(second.version.files.map((f) => f.sha256));
    expect(old.downloaded).toBe(new Set(first.version.files.map((f) => f.sha256).filter((h) => !inCache.has(h))).size); // the changed and removed files' old contents
    expect(old.downloaded).toBeGreaterThan(0);
  });

  it('create / add / remove / close, then the version is immutable', async () => {
    const src = path.join(dir, 'src');
    await writeYoloFolder(src, 4, 2);
    const catalog = folderCatalog(path.join(dir, 'artifacts'));
    const draft = await catalog.create({ project: 'p', name: 'manual' });
    await addFiles(catalog, draft.id, [path.join(src, 'images')], 'images');
    await addFiles(catalog, draft.id, [path.join(src, 'labels')], 'labels');
    await expect(closeVersion(catalog, draft.id, { validate })).rejects.toMatchObject({ code: 'DATASET_YAML_MISSING' });
    await addFiles(catalog, draft.id, [path.join(src, 'data.yaml')]);
    await addFiles(catalog, draft.id, [path.join(src, 'images/train/0.png')], 'extra');
    expect((await removeFiles(catalog, draft.id, 'extra/**')).removed).toBe(1);
    expect((await catalog.get(draft.id)).state).toBe('draft');
    const closed = await closeVersion(catalog, draft.id, { validate });
    expect(closed.version.files.map((f) => f.path)).toContain('images/train/0.png');
    expect(closed.version.files.some((f) => 'source' in f)).toBe(false);
    for (const edit of [() => addFiles(catalog, draft.id, [src]), () => removeFiles(catalog, draft.id, '*'), () => closeVersion(catalog, draft.id, { validate })]) {
      await expect(edit()).rejects.toMatchObject({ code: 'DATASET_CLOSED', message: expect.stringContaining('--parent') });
    }
    const child = await catalog.create({ project: 'p', name: 'manual', parent: draft.id });
    expect(child.files).toHaveLength(closed.version.files.length);
    await removeFiles(catalog, child.id, 'images/val/1.png');
    const c = await closeVersion(catalog, child.id, { validate });
    expect(c.uploaded).toBe(0);
    expect((await catalog.latest('p', 'manual'))?.id).toBe(child.id);
  });

  it('bad input gets clear errors and nothing half-written reads as closed', async () => {
    const src = path.join(dir, 'src');
    await writeYoloFolder(src, 3, 2);
    const catalog = folderCatalog(path.join(dir, 'artifacts'));
    await expect(catalog.get('ds-00000000000000')).rejects.toMatchObject({ code: 'DATASET_NOT_FOUND' });
    await expect(catalog.get('../etc')).rejects.toMatchObject({ code: 'DATASET_ID_INVALID' });
    const draft = await catalog.create({ project: 'p', name: 'bad' });
    for (const bad of ['../up', '/abs', 'a/../b', 'a/./b']) {
      await expect(addFiles(catalog, draft.id, [path.join(src, 'data.yaml')], bad), bad).rejects.toMatchObject({ code: 'DATASET_PATH_INVALID' });
    }
    await expect(addFiles(catalog, draft.id, [path.join(dir, 'nope')])).rejects.toMatchObject({ code: 'DATASET_SOURCE_MISSING' });

    // A yaml without val, and a train split without labels.
    await writeFile(path.join(src, 'data.yaml'), 'path: .\ntrain: images/train\nnames: [a, b]\n');
    await addFiles(catalog, draft.id, [src]);
    await expect(closeVersion(catalog, draft.id, { validate })).rejects.toMatchObject({ code: 'DATASET_YAML_INVALID', message: expect.stringContaining('val') });
    await writeFile(path.join(src, 'data.yaml'), 'path: .\ntrain: images/train\nval: images/val\nnames: [a, b]\n');
    await addFiles(catalog, draft.id, [src]);
    await removeFiles(catalog, draft.id, 'labels/train/*');
    await expect(closeVersion(catalog, draft.id, { validate })).rejects.toMatchObject({ code: 'DATASET_LAYOUT_INVALID', message: expect.stringContaining('labels/train/0.txt') });
    await addFiles(catalog, draft.id, [path.join(src, 'labels')], 'labels');

    // A source changed after add: the close fails and the version stays a draft.
    await writeFile(path.join(src, 'images/train/1.png'), 'changed after add');
    await expect(closeVersion(catalog, draft.id, { validate })).rejects.toMatchObject({ code: 'DATASET_SOURCE_CHANGED', message: expect.stringContaining('images/train/1.png') });
    expect((await catalog.get(draft.id)).state).toBe('draft');
    await expect(fetchVersion(catalog, draft.id, { cacheDir: path.join(dir, 'c0') })).rejects.toMatchObject({ code: 'DATASET_NOT_CLOSED' });
    await addFiles(catalog, draft.id, [path.join(src, 'images')], 'images');
    const closed = (await closeVersion(catalog, draft.id, { validate })).version;

    // A blob damaged in the store, then a missing one: fetching into an empty cache refuses.
    const victim = closed.files.find((f) => f.path === 'images/train/2.png')!;
    const blobFile = path.join(dir, 'artifacts', ...blobKey(victim.sha256).split('/'));
    await writeFile(blobFile, 'tampered bytes!');
    await expect(fetchVersion(catalog, closed.id, { cacheDir: path.join(dir, 'c1') })).rejects.toMatchObject({ code: 'ARTIFACT_HASH_MISMATCH' });
    await rm(blobFile);
    await expect(fetchVersion(catalog, closed.id, { cacheDir: path.join(dir, 'c2') })).rejects.toMatchObject({ code: 'DATASET_BLOB_MISSING', message: expect.stringContaining('images/train/2.png') });
    expect(await stat(path.join(dir, 'c2', 'datasets', closed.id)).catch(() => undefined)).toBeUndefined();
  });

  it('a close killed part-way leaves a draft; closing again uploads only what is missing', async () => {
    const src = path.join(dir, 'src');
    await writeYoloFolder(src, 30, 5);
    const root = path.join(dir, 'artifacts');
    const catalog = folderCatalog(root);
    const draft = await catalog.create({ project: 'p', name: 'killed' });
    await addFiles(catalog, draft.id, [src]);
    const closer = spawnTsx(path.join(ROOT, 'test/datasets/fixtures/slow-close.ts'), [root, draft.id]);
    for (let i = 0; i < 10; i++) await closer.waitFor(`uploaded`).then(() => new Promise((r) => setTimeout(r, 10)));
    while ((closer.stdout().match(/uploaded/g) ?? []).length < 10) await new Promise((r) => setTimeout(r, 20));
    closer.child.kill('SIGKILL');
    await closer.exit;
    const before = (closer.stdout().match(/uploaded/g) ?? []).length;
    expect(closer.stdout()).not.toContain('closed');
    expect((await catalog.get(draft.id)).state).toBe('draft');
    const total = new Set((await catalog.get(draft.id)).files.map((f) => f.sha256)).size;
    const again = await closeVersion(catalog, draft.id, { validate });
    expect(again.uploaded + again.reused).toBe(total);
    expect(again.reused).toBeGreaterThanOrEqual(before);
    expect(again.uploaded).toBeLessThan(total);
    const got = await fetchVersion(catalog, draft.id, { cacheDir: path.join(dir, 'cache') });
    expect(await treeHashes(got.dir)).toEqual(await treeHashes(src));
  }, 60_000);

  it('args/data hpo://<id> and hpo://<project>/<name> resolve into each machine\'s own cache and record the version', async () => {
    const src = path.join(dir, 'src');
    await writeYoloFolder(src, 3, 2);
    const catalog = folderCatalog(path.join(dir, 'artifacts'));
    const { version } = await syncFolder(catalog, { project: 'p', name: 'n', folder: src }, { validate });
    const recorded: unknown[] = [];
    for (const [uri, cache] of [[`hpo://${version.id}`, 'machine-a'], ['hpo://p/n', 'machine-b']]) {
      const params = await resolveDataParam({ 'args/data': uri, 'hyp/lr0': 0.01 }, { artifacts: () => catalog.artifacts, cacheDir: path.join(dir, cache), log: () => {}, record: async (use) => void recorded.push(use) });
      expect(params['hyp/lr0']).toBe(0.01);
      expect(params['args/data']).toBe(path.join(dir, cache, 'datasets', version.id, 'data.yaml'));
      expect(validate(String(params['args/data'])).train[0]).toBe(path.join(dir, cache, 'datasets', version.id, 'images/train'));
      expect(await readFile(String(params['args/data']), 'utf8')).toContain('train: images/train');
    }
    expect(recorded).toEqual([
      { uri: `hpo://${version.id}`, id: version.id, contentHash: version.contentHash },
      { uri: 'hpo://p/n', id: version.id, contentHash: version.contentHash },
    ]);
    await expect(resolveDataParam({ 'args/data': 'hpo://p/unknown' }, { artifacts: () => catalog.artifacts, log: () => {}, record: async () => {} })).rejects.toMatchObject({ code: 'DATASET_NOT_FOUND' });
    await expect(resolveDataParam({ 'args/data': 'hpo://nonsense' }, { artifacts: () => catalog.artifacts, log: () => {}, record: async () => {} })).rejects.toMatchObject({ code: 'DATASET_URI_INVALID' });
    expect(await resolveDataParam({ 'args/data': 'plain/data.yaml' }, { artifacts: () => { throw new Error('not called for a plain path'); }, log: () => {}, record: async () => {} })).toEqual({ 'args/data': 'plain/data.yaml' });

    // Two trials of one machine starting at once into an empty cache: both get the one whole tree.
    const cache = path.join(dir, 'machine-c');
    const both = await Promise.all([0, 1].map(() => fetchVersion(catalog, version.id, { cacheDir: cache })));
    expect(both[0].dir).toBe(both[1].dir);
    expect(await treeHashes(both[0].dir)).toEqual(await treeHashes(src));
    expect((await readdir(path.join(cache, 'datasets'))).sort()).toEqual([version.id]); // no staging left behind
  });
});
