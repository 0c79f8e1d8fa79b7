import { closeSync, fdatasync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { join } from 'node:path';

const datasync = promisify(fdatasync);

export interface AtomicWriteOptions {
  /** fdatasync before the rename, so the new content survives an OS crash, not only a kill. */
  durable: boolean;
  /** Hard-link the current file to this name first: a free copy of the last good version. */
  keepPreviousAs?: string;
}

/**
 * Replaces `dir/name` with `data` atomically: write a temp file in the same folder, optionally
 * sync it, then rename over the target. Readers see the old or the new file, never a mix.
 * A crash leaves at most a `*.tmp` file, which readers ignore.
 */
export async function writeFileAtomic(dir: string, name: string, data: string | Uint8Array, options: AtomicWriteOptions): Promise<void> {
  const target = join(dir, name);
  const tmp = join(dir, `${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeAll(fd, data);
      if (options.durable) await datasync(fd);
    } finally {
      closeSync(fd);
    }
    if (options.keepPreviousAs) linkPrevious(target, join(dir, options.keepPreviousAs));
    renameSync(tmp, target);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // Never created, or already renamed.
    }
    throw error;
  }
}

function writeAll(fd: number, data: string | Uint8Array): void {
  const buffer = typeof data === 'string' ? Buffer.from(data) : data;
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

function linkPrevious(target: string, previous: string): void {
  try {
    unlinkSync(previous);
  } catch {
    // No previous copy yet.
  }
  try {
    linkSync(target, previous);
  } catch {
    // No current file (first write): nothing to keep.
  }
}
