import { InvalidArtifactKeyError } from './errors.ts';

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** Throws InvalidArtifactKeyError unless `key` is a safe relative key (see ArtifactStore). */
export function assertArtifactKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidArtifactKeyError(String(key), 'it is empty');
  if (key.length > 1024) throw new InvalidArtifactKeyError(key.slice(0, 64) + '…', `it has ${key.length} characters`);
  if (key.startsWith('/')) throw new InvalidArtifactKeyError(key, 'it is absolute');
  for (const segment of key.split('/')) {
    if (!SEGMENT.test(segment)) throw new InvalidArtifactKeyError(key, segment === '' ? 'it has an empty segment' : `segment ${JSON.stringify(segment)} is not allowed`);
  }
}

/** Throws unless `prefix` is '' or a key prefix (a key, optionally ending in "/"). */
export function assertKeyPrefix(prefix: string): void {
  if (prefix === '') return;
  assertArtifactKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}
