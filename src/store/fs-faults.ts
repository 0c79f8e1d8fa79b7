import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { HpoError, STORE_FAULT } from '../core/index.ts';

/** What the operator can do about each file-system fault the store meets. */
const FIXES: Record<string, { what: string; fix: string }> = {
  EACCES: { what: 'permission denied', fix: 'run as the user who owns the store, or give this user write access to it (chown / chmod)' },
  EPERM: { what: 'operation not permitted', fix: 'run as the user who owns the store, or give this user write access to it (chown / chmod)' },
  EROFS: { what: 'the file system is read-only', fix: 'remount it read-write, or point the store at a writable folder' },
  ENOSPC: { what: 'no space left on the device', fix: 'free some space there (or move the store elsewhere)' },
  EDQUOT: { what: 'disk quota exceeded', fix: 'free some space within your quota, or raise it' },
};

/** Which store a fault is in, and the flag that moves it. */
export type FaultedStore = 'task store' | 'artifact store';
const MOVE: Record<FaultedStore, string> = { 'task store': '--store / HPO_HOME', 'artifact store': '--artifacts / HPO_ARTIFACTS' };

/** A file-system fault under a store: the operator's to fix, so one line and exit 1, no stack. */
export class StoreFaultError extends HpoError {
  constructor(readonly path: string, readonly errno: string, options?: { cause?: unknown; store?: FaultedStore }) {
    const { what, fix } = FIXES[errno]!;
    const store = options?.store ?? 'task store';
    super(
      STORE_FAULT,
      `Cannot write the ${store} at ${path}: ${what} (${errno}). Fix: ${fix} (${MOVE[store]} moves it); then rerun the command (a study continues with \`hpo run --resume <id>\`).`,
      options,
    );
    this.name = 'StoreFaultError';
  }
}

/** `error` as a StoreFaultError when it is one of the faults above, else `error` itself. */
export function toStoreFault(error: unknown, fallbackPath: string, store: FaultedStore = 'task store'): unknown {
  const e = error as NodeJS.ErrnoException;
  if (!e || typeof e.code !== 'string' || !(e.code in FIXES)) return error;
  return new StoreFaultError(e.path ?? fallbackPath, e.code, { cause: error, store });
}

/**
 * `store` (a file task store or a folder artifact store) with every method's file-system faults
 * (EACCES, EROFS, ENOSPC, EDQUOT) turned into StoreFaultError naming the path and the fix.
 * Nothing else changes: a write that failed left the store as it was (atomic renames, whole
 * appended lines), so the study can be resumed.
 */
export function withFsFaults<T extends object>(store: T, root: string, what: FaultedStore = 'task store'): T {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result = value.apply(target, args);
          return result instanceof Promise ? result.catch(async (error: unknown) => Promise.reject(toStoreFault(await unmaskMkdir(error), root, what))) : result;
        } catch (error) {
          throw toStoreFault(error, root, what);
        }
      };
    },
  });
}

/**
 * Node's recursive mkdir reports ENOENT when the real fault is a read-only or full file system
 * (libuv's mkdirp keeps only its last error). A plain mkdir of the first missing folder under the
 * deepest one that exists tells the real errno; anything else is returned as it came.
 */
async function unmaskMkdir(error: unknown): Promise<unknown> {
  const e = error as NodeJS.ErrnoException;
  if (e?.code !== 'ENOENT' || e.syscall !== 'mkdir' || typeof e.path !== 'string') return error;
  let missing = path.resolve(e.path);
  for (let parent = path.dirname(missing); parent !== missing; missing = parent, parent = path.dirname(parent)) {
    if (!(await stat(parent).then(() => true, () => false))) continue;
    try {
      await mkdir(missing);
    } catch (probe) {
      const code = (probe as NodeJS.ErrnoException).code;
      if (code !== undefined && code in FIXES) return probe;
    }
    break;
  }
  return error;
}
