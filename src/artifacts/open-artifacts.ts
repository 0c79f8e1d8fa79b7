import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withFsFaults } from '../store/fs-faults.ts';
import { ArtifactSpecError } from './errors.ts';
import { FolderArtifactStore } from './folder/folder-store.ts';
import type { ArtifactStore } from './types.ts';

/** The variable that carries the chosen artifact store to child processes (local trials). */
export const ARTIFACTS_ENV = 'HPO_ARTIFACTS';

export interface ArtifactSpecInputs {
  /** `--artifacts` (wins over everything). */
  flag?: string;
  /** The config's `artifacts:` (loses to the flag and HPO_ARTIFACTS). */
  config?: string;
  /** The task store's spec (a folder path, `file://` URL or redis:// URL): the default sits beside it. */
  storeSpec: string;
  env?: Record<string, string | undefined>;
  /** Resolves a relative folder. Default: process.cwd(). */
  cwd?: string;
}

/**
 * Which artifact store to use: `--artifacts`, else HPO_ARTIFACTS, else the config's
 * `artifacts:`, else the default beside the task store (`<store>/artifacts` for the file store,
 * the same Redis for the Redis store). Returns a spec `openArtifactStore` takes, with folders
 * made absolute so a child process or another command opens the same one.
 */
export function resolveArtifactSpec(inputs: ArtifactSpecInputs): string {
  const env = inputs.env ?? process.env;
  const chosen = [inputs.flag, env[ARTIFACTS_ENV], inputs.config].find((s) => s !== undefined && s.trim() !== '');
  const cwd = inputs.cwd ?? process.cwd();
  if (chosen !== undefined) return hasScheme(chosen) ? chosen : resolve(cwd, chosen);
  return defaultArtifactSpec(inputs.storeSpec, cwd);
}

/** The artifact store beside a task store: `<store>/artifacts`, or the Redis store's own Redis. */
export function defaultArtifactSpec(storeSpec: string, cwd: string = process.cwd()): string {
  if (/^rediss?:\/\//i.test(storeSpec)) return storeSpec;
  const root = storeSpec.startsWith('file://') ? fileURLToPath(storeSpec) : resolve(cwd, storeSpec);
  return resolve(root, 'artifacts');
}

function hasScheme(spec: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(spec);
}

/**
 * Opens the artifact store `spec` names: a folder path or `file://` URL, `s3://bucket/prefix`
 * (AWS SDK v3, loaded only here), or `redis://` (ioredis, loaded only here). Relative paths
 * resolve against `cwd`.
 */
export async function openArtifactStore(spec: string, options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<ArtifactStore> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec)?.[1]?.toLowerCase();
  switch (scheme) {
    case undefined:
      if (spec.trim() === '') throw new ArtifactSpecError(spec, 'it is empty');
      return folderArtifactStore(isAbsolute(spec) ? spec : resolve(options.cwd ?? process.cwd(), spec));
    case 'file':
      return folderArtifactStore(fileURLToPath(spec));
    case 's3':
      return new (await import('./s3/s3-store.ts')).S3ArtifactStore(spec, options.env);
    case 'redis':
    case 'rediss':
      return (await import('./redis/redis-artifact-store.ts')).openRedisArtifactStore(spec, { env: options.env });
    default:
      throw new ArtifactSpecError(spec, `scheme "${scheme}://" is not supported`);
  }
}

/** A folder store whose permission and disk-full faults read as one line with the fix. */
export function folderArtifactStore(root: string): ArtifactStore {
  return withFsFaults(new FolderArtifactStore(root), root, 'artifact store');
}

/**
 * The artifact stores one process uses: its own (`primary`, where it writes) and any other a
 * task record names (a task written by an agent with another store), each opened once. The
 * primary one is used whenever a record names its spec, so credentials the record omits (a
 * Redis password) come from the process's own configuration.
 */
export class ArtifactStores {
  private readonly open = new Map<string, Promise<ArtifactStore>>();

  constructor(readonly primary: ArtifactStore) {
    this.open.set(primary.spec, Promise.resolve(primary));
  }

  /** The store a record names (`undefined`: the primary one). */
  async forSpec(spec: string | undefined): Promise<ArtifactStore> {
    if (spec === undefined) return this.primary;
    let store = this.open.get(spec);
    if (!store) {
      store = openArtifactStore(spec);
      this.open.set(spec, store);
      store.catch(() => this.open.delete(spec)); // a later call tries again

    }
    return store;
  }

  /** Closes every store opened here, the primary one included. */
  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    for (const store of all) await (await store.catch(() => undefined))?.close();
  }
}

/** The primary store of `spec` wrapped for reading any task's artifacts. */
export async function openArtifactStores(spec: string): Promise<ArtifactStores> {
  return new ArtifactStores(await openArtifactStore(spec));
}
