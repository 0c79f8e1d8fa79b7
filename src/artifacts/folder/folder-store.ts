import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { ArtifactStoreBase } from '../base.ts';
import { ArtifactHashMismatchError, ArtifactNotFoundError } from '../errors.ts';
import { assertArtifactKey, assertKeyPrefix } from '../key.ts';
import { Tally, toIterable } from '../streams.ts';
import type { ArtifactBody, ArtifactInfo, ArtifactListing, PutOptions } from '../types.ts';

export interface FolderArtifactStoreOptions {
  /** fsync each artifact before it is renamed into place (survives an OS crash). Default true. */
  durable?: boolean;
}

/** Sidecar record; `ino` ties it to the exact file it describes (see head). */
interface Meta {
  size: number;
  sha256: string;
  createdAt: number;
  ino: number;
}

/**
 * Artifacts as plain files under a folder (`<store>/artifacts`, or a mount several machines
 * share): `<root>/<key>`, with sha256 and size in `<root>/.meta/<key>.json`. A put streams to
 * `<root>/.tmp/` and renames into place, so readers see whole files only; an open reader keeps
 * the bytes it opened even if the key is rewritten. The sidecar names the file's inode: a
 * crash between the two renames leaves a sidecar that no longer matches, and head rehashes.
 */
export class FolderArtifactStore extends ArtifactStoreBase {
  readonly root: string;
  readonly spec: string;
  private readonly durable: boolean;

  constructor(root: string, options: FolderArtifactStoreOptions = {}) {
    super();
    this.root = resolve(root);
    this.spec = pathToFileURL(this.root).href;
    this.durable = options.durable ?? true;
  }

  async put(key: string, body: ArtifactBody, options: PutOptions = {}): Promise<ArtifactInfo> {
    assertArtifactKey(key);
    const tmpDir = join(this.root, '.tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    const tally = new Tally();
    try {
      await pipeline(tally.through(toIterable(body)), createWriteStream(tmp));
      const sha256 = tally.digest();
      if (options.sha256 !== undefined && options.sha256 !== sha256) throw new ArtifactHashMismatchError(key, options.sha256, sha256, 'Upload of');
      if (this.durable) await fsync(tmp);
      const { ino } = await stat(tmp);
      const createdAt = Date.now();
      const file = this.file(key);
      await mkdir(dirname(file), { recursive: true });
      await rename(tmp, file);
      await this.writeMeta(key, { size: tally.size, sha256, createdAt, ino });
      return { key, size: tally.size, sha256, createdAt };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async get(key: string): Promise<Readable> {
    assertArtifactKey(key);
    const handle = await open(this.file(key), 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'EISDIR') throw new ArtifactNotFoundError(key, this.spec);
      throw error;
    });
    return handle.createReadStream({ highWaterMark: 1024 * 1024 });
  }

  async head(key: string): Promise<ArtifactInfo | undefined> {
    assertArtifactKey(key);
    const st = await stat(this.file(key)).catch(() => undefined);
    if (!st?.isFile()) return undefined;
    const meta = await readFile(this.metaFile(key), 'utf8').then((t) => JSON.parse(t) as Meta).catch(() => undefined);
    if (meta && meta.ino === st.ino && meta.size === st.size) return { key, size: meta.size, sha256: meta.sha256, createdAt: meta.createdAt };
    // No sidecar, or one from another file (a crash between renames): rehash and repair it.
    const tally = new Tally();
    for await (const _ of tally.through(createReadStream(this.file(key)))) void _;
    const repaired: Meta = { size: tally.size, sha256: tally.digest(), createdAt: Math.floor(st.mtimeMs), ino: st.ino };
    await this.writeMeta(key, repaired);
    return { key, size: repaired.size, sha256: repaired.sha256, createdAt: repaired.createdAt };
  }

  async list(prefix = ''): Promise<ArtifactListing[]> {
    assertKeyPrefix(prefix);
    // Walk only the folder the prefix names (`datasets/` need not read every blob's folder).
    const under = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const entries = await readdir(join(this.root, ...under.split('/').filter(Boolean)), { recursive: true, withFileTypes: true }).catch(() => []);
    const rows: ArtifactListing[] = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const key = relative(this.root, join(entry.parentPath ?? (entry as { path: string }).path, entry.name)).split(sep).join('/');
      if (key.startsWith('.') || !key.startsWith(prefix)) continue;
      const st = await stat(join(this.root, key)).catch(() => undefined);
      if (st) rows.push({ key, size: st.size, createdAt: Math.floor(st.mtimeMs) });
    }
    return rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<boolean> {
    assertArtifactKey(key);
    const existed = await stat(this.file(key)).then((s) => s.isFile(), () => false);
    await rm(this.file(key), { force: true });
    await rm(this.metaFile(key), { force: true });
    return existed;
  }

  async sweepUploads(olderThanMs: number): Promise<number> {
    const dir = join(this.root, '.tmp');
    let removed = 0;
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const st = await stat(join(dir, name)).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs >= olderThanMs) {
        await rm(join(dir, name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  describe(key: string): string {
    return pathToFileURL(this.file(key)).href;
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }

  private file(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  private metaFile(key: string): string {
    return join(this.root, '.meta', ...key.split('/')) + '.json';
  }

  private async writeMeta(key: string, meta: Meta): Promise<void> {
    const file = this.metaFile(key);
    await mkdir(dirname(file), { recursive: true });
    const tmp = join(this.root, '.tmp', `${randomUUID()}.meta`);
    await mkdir(dirname(tmp), { recursive: true });
    await writeFile(tmp, JSON.stringify(meta));
    await rename(tmp, file);
  }
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
