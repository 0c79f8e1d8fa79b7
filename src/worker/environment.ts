import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { packageRoot, type Environment } from '../core/index.ts';
import { captureGpus } from './python-environment.ts';

/** Packages whose versions decide whether a run can be reproduced. */
const KEY_PACKAGES = ['zod', 'bullmq', 'ioredis', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu'];
/** Bigger diffs are cut here: the record is for reproducing a run, not for archiving a repo. */
const MAX_DIFF_BYTES = 200 * 1024;
const GIT_TIMEOUT_MS = 5_000;

const cache = new Map<string, Promise<Environment>>();

/**
 * What a task ran on: git commit, dirty flag and uncommitted diff of `cwd` (no `git` field
 * outside a repo or without git), Node and key package versions, host, platform, CPU and the
 * GPUs nvidia-smi lists (no `gpus` field without it).
 * Cached per `cwd` for the life of the process; git runs through execFile-style spawns, never
 * a shell. Never throws: an unknown fact is left out.
 */
export function captureEnvironment(cwd: string = process.cwd()): Promise<Environment> {
  let pending = cache.get(cwd);
  if (!pending) {
    pending = capture(cwd);
    cache.set(cwd, pending);
  }
  return pending.then((env) => structuredClone(env));
}

async function capture(cwd: string): Promise<Environment> {
  // nvidia-smi beside git, not after it: a trial's start-up waits for both.
  const [git, gpus] = await Promise.all([captureGit(cwd), captureGpus()]);
  const cpuList = cpus();
  const env: Environment = {
    node: process.version,
    packages: packageVersions(),
    host: hostname(),
    platform: `${process.platform}-${process.arch}`,
    cpus: { model: cpuList[0]?.model.trim() ?? 'unknown', count: cpuList.length },
  };
  if (git) env.git = git;
  if (gpus) env.gpus = gpus;
  return env;
}

async function captureGit(cwd: string): Promise<Environment['git']> {
  // One git process gives the commit (its branch.oid header) and the dirty flag; a second one, the
  // diff, runs only for a dirty checkout. Each spawn forks this process and blocks it until the child
  // has exec'd: tens of ms of a trial's start-up apiece on a loaded machine.
  // Untracked files (like the store folder itself) would make every checkout look dirty.
  const status = await run('git', ['status', '--porcelain=v2', '--branch', '--untracked-files=no'], cwd);
  const commit = status.ok ? /^# branch\.oid ([0-9a-f]{7,64})$/m.exec(status.out)?.[1] : undefined;
  if (!commit) return undefined; // not a checkout, or no commit yet
  const dirty = status.out.split('\n').some((line) => line !== '' && !line.startsWith('#'));
  const git: NonNullable<Environment['git']> = { commit, dirty };
  if (!dirty) return git;
  const diff = await run('git', ['diff', 'HEAD', '--no-color', '--no-ext-diff'], cwd, MAX_DIFF_BYTES);
  if (diff.out !== '') git.diff = diff.truncated ? `${diff.out}\n... diff truncated at ${MAX_DIFF_BYTES} bytes\n` : diff.out;
  return git;
}

/** Runs a program without a shell; keeps at most `limit` bytes of stdout and stops the program past it. */
function run(file: string, args: string[], cwd: string, limit = 64 * 1024): Promise<{ ok: boolean; out: string; truncated: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    let child;
    try {
      child = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: GIT_TIMEOUT_MS });
    } catch {
      resolve({ ok: false, out: '', truncated });
      return;
    }
    child.stdout.on('data', (chunk: Buffer) => {
      if (truncated) return;
      const room = limit - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        truncated = true;
        child.kill();
      } else chunks.push(chunk);
      size += Math.min(chunk.length, room);
    });
    child.on('error', () => resolve({ ok: false, out: '', truncated }));
    child.on('close', (code) => resolve({ ok: code === 0 || truncated, out: Buffer.concat(chunks).toString('utf8'), truncated }));
  });
}

let versions: Record<string, string> | undefined;

/**
 * hpo's own version and the key packages': those bundled into the code running here (a trial
 * child's bundle, scripts/bundle-child.mjs, lists them beside itself), the others read from the
 * node_modules folders Node would resolve them from.
 */
function packageVersions(): Record<string, string> {
  if (versions) return versions;
  const found: Record<string, string> = {};
  const root = packageRoot();
  const own = root ? readVersion(join(root, 'package.json')) : undefined;
  if (own) found.hpo = own;
  const bundled = readBundledVersions();
  for (const name of KEY_PACKAGES) {
    if (bundled[name]) {
      found[name] = bundled[name];
      continue;
    }
    for (let dir = root; dir; dir = parentOf(dir)) {
      const version = readVersion(join(dir, 'node_modules', name, 'package.json'));
      if (version) {
        found[name] = version;
        break;
      }
    }
  }
  return (versions = found);
}

function readBundledVersions(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(new URL('./bundled-packages.json', import.meta.url), 'utf8')) as Record<string, string>;
  } catch {
    return {}; // not running from a bundle
  }
}

function parentOf(dir: string): string | undefined {
  const up = dirname(dir);
  return up === dir || dir === parse(dir).root ? undefined : up;
}

function readVersion(file: string): string | undefined {
  try {
    const version = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}
