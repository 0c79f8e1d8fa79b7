import { execFileSync } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureGpus, capturePython } from '../../src/worker/python-environment.ts';
import { tempDir } from '../helpers/temp.ts';
import { PYTHON } from '../trainers/command/fixture.ts';

describe('python and GPU environment', { timeout: 60_000 }, () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it("records the interpreter, its version and its packages as name==version", async () => {
    const env = await capturePython(PYTHON, dir);
    const version = execFileSync(PYTHON, ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8' }).trim();
    expect(env).toMatchObject({ executable: PYTHON, version });
    expect(env!.packages.length).toBeGreaterThan(0);
    expect(env!.packages.every((p) => /^[^=\s]+==\S+$/.test(p) || p.includes(' @ '))).toBe(true);
  });

  it('lists packages through importlib.metadata where pip is missing (a venv without pip)', async () => {
    execFileSync(PYTHON, ['-m', 'venv', '--without-pip', path.join(dir, 'venv')]);
    const env = await capturePython(path.join(dir, 'venv/bin/python'), dir);
    expect(env?.packagesFrom).toBe('importlib.metadata');
    expect(env?.executable).toBe(path.join(dir, 'venv/bin/python'));
    expect(env?.torch).toBeUndefined();
  });

  it('gives undefined for an interpreter that does not exist', async () => {
    expect(await capturePython(path.join(dir, 'no-python'), dir)).toBeUndefined();
  });

  it("parses nvidia-smi's CSV into one line per GPU, and gives undefined without nvidia-smi", async () => {
    const bin = path.join(dir, 'bin');
    const savedPath = process.env.PATH;
    try {
      process.env.PATH = bin;
      expect(await captureGpus()).toBeUndefined();
      execFileSync('mkdir', ['-p', bin], { env: { PATH: savedPath } });
      // nvidia-smi's output for --query-gpu=index,name,driver_version,memory.total --format=csv,noheader,nounits
      await writeFile(path.join(bin, 'nvidia-smi'), '#!/bin/sh\necho "0, NVIDIA A100-SXM4-40GB, 535.104.05, 40960"\necho "1, Tesla T4, 535.104.05, 15360"\n');
      await chmod(path.join(bin, 'nvidia-smi'), 0o755);
      expect(await captureGpus()).toEqual(['0: NVIDIA A100-SXM4-40GB, driver 535.104.05, 40960 MiB', '1: Tesla T4, driver 535.104.05, 15360 MiB']);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});
