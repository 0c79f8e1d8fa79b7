import { HpoError, type TaskStore } from '../core/index.ts';

/** What the operator can do about each file-system fault the store meets. */
const FIXES: Record<string, { what: string; fix: string }> = {
  EACCES: { what: 'permission denied', fix: 'run as the user who owns the store, or give this user write access to it (chown / chmod)' },
  EPERM: { what: 'operation not permitted', fix: 'run as the user who owns the store, or give this user write access to it (chown / chmod)' },
  EROFS: { what: 'the file system is read-only', fix: 'remount it read-write, or point --store / HPO_HOME at a writable folder' },
  ENOSPC: { what: 'no space left on the device', fix: 'free some space there (or move the store with --store / HPO_HOME)' },
  EDQUOT: { what: 'disk quota exceeded', fix: 'free some space within your quota, or raise it' },
};

/** A file-system fault under the store: the operator's to fix, so one line and exit 1, no stack. */
export class StoreFaultError extends HpoError {
  constructor(readonly path: string, readonly errno: string, options?: { cause?: unknown }) {
    const { what, fix } = FIXES[errno]!;
    super('STORE_FAULT', `Cannot write the task store at ${path}: ${what} (${errno}). Fix: ${fix}; then rerun the command (a study continues with \`hpo run --resume <id>\`).`, options);
    this.name = 'StoreFaultError';
  }
}

/** `error` as a StoreFaultError when it is one of the faults above, else `error` itself. */
export function toStoreFault(error: unknown, fallbackPath: string): unknown {
  const e = error as NodeJS.ErrnoException;
  if (!e || typeof e.code !== 'string' || !(e.code in FIXES)) return error;
  return new StoreFaultError(e.path ?? fallbackPath, e.code, { cause: error });
}

/**
 * `store` with every method's file-system faults (EACCES, EROFS, ENOSPC, EDQUOT) turned into
 * StoreFaultError naming the path and the fix. Nothing else changes: a write that failed left
 * the task as it was (atomic renames, whole appended lines), so the study can be resumed.
 */
export function withFsFaults<T extends TaskStore>(store: T, root: string): T {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result = value.apply(target, args);
          return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(toStoreFault(error, root))) : result;
        } catch (error) {
          throw toStoreFault(error, root);
        }
      };
    },
  });
}
