import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, type CodeSnapshot } from '../core/index.ts';
import { git, gitMaybe } from './git.ts';

/** Untracked files larger than this are left out (data, weights); so is anything past the total. */
export const UNTRACKED_FILE_LIMIT = 256 * 1024;
export const UNTRACKED_TOTAL_LIMIT = 2 * 1024 * 1024;

/**
 * Records the code of the working tree at `dir` so another machine can recreate it: the
 * `origin` remote (else the repo's own folder, reachable from this machine), HEAD's commit and
 * branch, the uncommitted diff against HEAD, small untracked files, and where in the repo
 * `dir` and `entryPoint` are. Throws ConfigError when `dir` is not in a git repo.
 */
export async function captureCode(dir: string, options: { entryPoint?: string; log?: (line: string) => void } = {}): Promise<CodeSnapshot> {
  const top = await gitMaybe(['rev-parse', '--show-toplevel'], dir);
  if (!top) throw new ConfigError(`--repo ${dir} is not inside a git repository: commit the trainer's code to git, or leave --repo out.`);
  const commit = (await git(['rev-parse', 'HEAD'], top)).trim();
  const branch = await gitMaybe(['symbolic-ref', '--short', '-q', 'HEAD'], top);
  const remote = (await gitMaybe(['remote', 'get-url', 'origin'], top)) || top;
  const diff = await git(['diff', 'HEAD', '--binary', '--no-color', '--no-ext-diff'], top);
  const untracked: { path: string; base64: string }[] = [];
  let total = 0;
  for (const file of (await git(['ls-files', '--others', '--exclude-standard', '-z'], top)).split('\0').filter(Boolean)) {
    const size = (await stat(path.join(top, file))).size;
    if (size > UNTRACKED_FILE_LIMIT || total + size > UNTRACKED_TOTAL_LIMIT) {
      options.log?.(`untracked ${file} (${size} bytes) not recorded: past the ${UNTRACKED_FILE_LIMIT}-byte file or ${UNTRACKED_TOTAL_LIMIT}-byte total cap; commit it or keep it out of the repo`);
      continue;
    }
    total += size;
    untracked.push({ path: file, base64: (await readFile(path.join(top, file))).toString('base64') });
  }
  return {
    remote,
    commit,
    ...(branch ? { branch } : {}),
    ...(diff ? { diff } : {}),
    ...(untracked.length ? { untracked } : {}),
    workingDir: path.relative(top, path.resolve(dir)) || '.',
    ...(options.entryPoint ? { entryPoint: path.relative(top, path.resolve(options.entryPoint)) } : {}),
  };
}
