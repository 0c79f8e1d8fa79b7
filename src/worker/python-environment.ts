import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { PythonEnvironment } from '../core/index.ts';

/** Printed by the interpreter itself: works without pip, and without torch. */
const PROBE = `
import json, sys
out = {"executable": sys.executable, "version": sys.version.split()[0]}
try:
    import importlib.metadata as md
    out["packages"] = sorted({f"{d.metadata['Name']}=={d.version}" for d in md.distributions() if d.metadata['Name']}, key=str.lower)
except Exception:
    out["packages"] = []
try:
    import torch
    out["torch"] = torch.__version__
    if torch.version.cuda: out["cuda"] = torch.version.cuda
    out["cudaAvailable"] = bool(torch.cuda.is_available())
except Exception:
    pass
print(json.dumps(out))
`;

const TIMEOUT_MS = 60_000;

/**
 * What a python trainer runs on: the interpreter's path and version, its installed packages
 * (`pip freeze`, or importlib.metadata where pip is missing) and torch's version and CUDA
 * build when torch imports. Never a shell; never throws: undefined when `python` cannot run.
 */
export async function capturePython(python: string, cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<PythonEnvironment | undefined> {
  // pip beside the probe, not after it: a trial's start-up waits for both (seconds on a busy machine).
  const [probe, freeze] = await Promise.all([
    run(python, ['-c', PROBE], cwd, env),
    run(python, ['-m', 'pip', 'freeze', '--all', '--disable-pip-version-check'], cwd, env),
  ]);
  if (probe === undefined) return undefined;
  let parsed: { executable: string; version: string; packages: string[]; torch?: string; cuda?: string; cudaAvailable?: boolean };
  try {
    parsed = JSON.parse(probe.trim().split('\n').at(-1) ?? '');
  } catch {
    return undefined;
  }
  const fromPip = freeze?.split('\n').map((l) => l.trim()).filter(Boolean);
  return {
    executable: parsed.executable,
    version: parsed.version,
    packages: fromPip?.length ? fromPip : parsed.packages,
    packagesFrom: fromPip?.length ? 'pip freeze' : 'importlib.metadata',
    ...(parsed.torch ? { torch: parsed.torch } : {}),
    ...(parsed.cuda ? { cuda: parsed.cuda } : {}),
    ...(parsed.cudaAvailable !== undefined ? { cudaAvailable: parsed.cudaAvailable } : {}),
  };
}

/** The machine's GPUs from nvidia-smi (`0: <model>, driver <v>, <n> MiB`); undefined without nvidia-smi. */
export async function captureGpus(): Promise<string[] | undefined> {
  // Looked up first: spawning a missing program still forks this process (a trial's start-up waits on it).
  if (!onPath('nvidia-smi')) return undefined;
  const out = await run('nvidia-smi', ['--query-gpu=index,name,driver_version,memory.total', '--format=csv,noheader,nounits'], process.cwd(), process.env);
  if (!out?.trim()) return undefined;
  return out
    .trim()
    .split('\n')
    .map((line) => line.split(',').map((s) => s.trim()))
    .map(([index, name, driver, memory]) => `${index}: ${name}, driver ${driver}, ${memory} MiB`);
}

/** Whether an executable `name` is in one of $PATH's folders. */
function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env, timeout: TIMEOUT_MS, maxBuffer: 8 * 1024 * 1024 }, (error, stdout) => resolve(error ? undefined : stdout));
  });
}
