import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Points $HPO_CACHE (datasets, the seeds' initial weights) at a folder of this test run, so the
 * tests neither read a developer's cache nor leave files in ~/.cache/hpo; removed afterwards.
 * Tests that need their own cache still set HPO_CACHE for the processes they start.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hpo-test-cache-'));
  process.env.HPO_CACHE = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
