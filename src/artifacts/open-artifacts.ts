import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArtifactSpecError } from './errors.ts';
import { FolderArtifactStore } from './folder/folder-store.ts';
import type { ArtifactStore } from './types.ts';

export interface ArtifactSpecInputs {
  /** `--artifacts` (wins), then the config's `artifacts:`. */
  flag?: string;
  config?: string;
  /** The task store's spec (absolute folder path or redis:// URL): the default sits beside it. */
  storeSpec: string;
  env?: Record<string, string | undefined>;
}

/**
 * Which artifact store to use: `--artifacts`, else HPO_ARTIFACTS, else the config's
 * `artifacts:`, else the default beside the task store (`<store>/artifacts` for the file store,
 * the same Redis for the Redis store). Returns a spec `openArtifactStore` takes.
 */
export function resolveArtifactSpec(inputs: ArtifactSpecInputs): string {
  const env = inputs.env ?? process.env;
  const chosen = inputs.flag ?? env.HPO_ARTIFACTS ?? inputs.config;
  if (chosen !== undefined && chosen.trim() !== '') return chosen;
  if (/^rediss?:\/\//i.test(inputs.storeSpec)) return inputs.storeSpec;
  const root = inputs.storeSpec.startsWith('file://') ? fileURLToPath(inputs.storeSpec) : inputs.storeSpec;
  return resolve(root, 'artifacts');
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
      return new FolderArtifactStore(isAbsolute(spec) ? spec : resolve(options.cwd ?? process.cwd(), spec));
    case 'file':
      return new FolderArtifactStore(fileURLToPath(spec));
    case 's3':
      return new (await import('./s3/s3-store.ts')).S3ArtifactStore(spec, options.env);
    case 'redis':
    case 'rediss':
      return (await import('./redis/redis-artifact-store.ts')).openRedisArtifactStore(spec, { env: options.env });
    default:
      throw new ArtifactSpecError(spec, `scheme "${scheme}://" is not supported`);
  }
}

/**
 * Opens stores by the spec recorded in a task or manifest, reusing one per spec, and the
 * caller's own store (which may hold credentials the record omits) when the spec is its own.
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
    }
    return store;
  }

  async close(): Promise<void> {
    for (const store of this.open.values()) await (await store.catch(() => undefined))?.close();
    this.open.clear();
  }
}
