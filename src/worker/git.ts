import { execFile } from 'node:child_process';

/** Runs git without a shell; resolves with stdout, or rejects with git's own stderr as the message. */
export function git(args: readonly string[], cwd: string, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', ['-c', 'core.quotepath=off', ...args], { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(String(stderr).trim() || error.message));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** git's answer, or undefined when it fails (no repo, no remote). */
export async function gitMaybe(args: readonly string[], cwd: string): Promise<string | undefined> {
  try {
    return (await git(args, cwd)).trim();
  } catch {
    return undefined;
  }
}
