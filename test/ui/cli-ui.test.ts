import { spawn, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileTaskStore } from '../../src/store/index.ts';
import { BIN } from '../helpers/temp.ts';
import { tempDir } from '../store/helpers.ts';
import { makeTemplate } from './study-fixture.ts';

let root: string;
let templateId: string;
beforeAll(async () => {
  root = tempDir('hpo-ui-cli-');
  const store = new FileTaskStore({ root });
  templateId = (await makeTemplate(store)).id;
  await store.close();
});

describe('hpo ui (the command)', () => {
  it('serves the store over HTTP on a free port and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, '--store', root, 'ui', '--port', '0', '--read-only'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.trim());
      });
      child.once('exit', (code) => reject(new Error(`hpo ui exited ${code}: ${err}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const list = (await (await fetch(`${url}api/tasks`)).json()) as { rows: Array<{ id: string }> };
    expect(list.rows.map((r: { id: string }) => r.id)).toEqual([templateId]);
    const clone = await fetch(`${url}api/tasks/${templateId}/clone`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(clone.status).toBe(403);
    expect(err).toContain('(read-only)');
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('refuses a non-loopback address without a token, naming the fix', () => {
    const run = spawnSync(process.execPath, [BIN, '--store', root, 'ui', '--host', '0.0.0.0', '--port', '0'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HPO_UI_TOKEN: '' } });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('hpo ui --host 0.0.0.0 serves other machines: give --token <secret> (or set HPO_UI_TOKEN)');
    const bad = spawnSync(process.execPath, [BIN, '--store', root, 'ui', '--port', 'eighty'], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--port must be a number');
  });
});
