import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TrialFailedError, type CodeSnapshot } from '../core/index.ts';
import { git } from './git.ts';

/** Where agents keep fetched repos and checkouts: `$HPO_CODE_CACHE`, else `~/.cache/hpo/code`. */
export function codeCacheDir(): string {
  return process.env.HPO_CODE_CACHE ?? path.join(os.homedir(), '.cache', 'hpo', 'code');
}

/**
 * Recreates a task's recorded code here and returns the folder to run in (the checkout plus
 * its `workingDir`): one bare repo per remote in the cache, `git fetch` of the commit, a
 * detached worktree at it with the diff applied and the untracked files written. A checkout is
 * reused when the same commit and diff ran before. An unreachable commit or a diff that no
 * longer applies fails the trial with an error saying which and what to do.
 */
export async function materializeCode(code: CodeSnapshot, cache: string = codeCacheDir()): Promise<string> {
  const repo = path.join(cache, 'repos', hash(code.remote));
  const tree = path.join(cache, 'trees', `${code.commit.slice(0, 12)}-${hash(JSON.stringify([code.commit, code.diff ?? '', code.untracked ?? []]))}`);
  const workingDir = path.join(tree, code.workingDir);
  if (existsSync(path.join(tree, '.hpo-ready'))) return workingDir;
  await mkdir(path.dirname(tree), { recursive: true });
  if (!existsSync(repo)) {
    await mkdir(repo, { recursive: true });
    await git(['init', '--bare', '-q'], repo);
  }
  try {
    if (!(await hasCommit(repo, code.commit))) {
      await git(['fetch', '-q', '--no-tags', '--no-write-fetch-head', code.remote, `${code.commit}:refs/hpo/${code.commit}`], repo).catch(async (error: unknown) => {
        // Trials of one study fetch the same commit at once: the ref lock loses, the commit is there.
        if (!(await hasCommit(repo, code.commit))) throw error;
      });
    }
  } catch (error) {
    throw new TrialFailedError(
      `cannot fetch commit ${code.commit} from ${code.remote}: ${(error as Error).message}. Push that commit (or make the remote reachable from this machine) and run the task again.`,
    );
  }
  // A half-made checkout from a crash is replaced; the finished one is renamed into place.
  const staging = `${tree}.${process.pid}.tmp`;
  await rm(staging, { recursive: true, force: true });
  await git(['worktree', 'add', '-q', '--detach', staging, code.commit], repo);
  if (code.diff) {
    try {
      await git(['apply', '--whitespace=nowarn', '-'], staging, code.diff);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      await git(['worktree', 'prune'], repo).catch(() => {});
      throw new TrialFailedError(`the task's recorded uncommitted changes do not apply at commit ${code.commit.slice(0, 12)}: ${(error as Error).message}. Record the task again from a working tree (hpo task create --repo).`);
    }
  }
  for (const file of code.untracked ?? []) {
    const target = path.join(staging, file.path);
    if (!target.startsWith(staging + path.sep)) throw new TrialFailedError(`recorded untracked file ${JSON.stringify(file.path)} points outside the checkout`);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, Buffer.from(file.base64, 'base64'));
  }
  await writeFile(path.join(staging, '.hpo-ready'), `${code.commit}\n`);
  try {
    await rename(staging, tree);
    await git(['worktree', 'repair', tree], repo).catch(() => {});
  } catch {
    // Another runner finished the same checkout first: use theirs.
    await rm(staging, { recursive: true, force: true });
  }
  return workingDir;
}

async function hasCommit(repo: string, commit: string): Promise<boolean> {
  return git(['cat-file', '-e', `${commit}^{commit}`], repo).then(
    () => true,
    () => false,
  );
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
