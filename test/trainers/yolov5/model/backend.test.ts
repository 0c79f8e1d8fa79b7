import { afterEach, describe, expect, it } from 'vitest';
import { BACKEND_ENV, initBackend } from '../../../../src/trainers/yolov5/backend.ts';

afterEach(() => {
  delete process.env[BACKEND_ENV];
});

describe('initBackend', () => {
  it('starts the preferred backend and returns its name', async () => {
    expect(await initBackend('cpu')).toBe('cpu');
    expect(await initBackend('wasm')).toBe('wasm');
  });

  it(`lets ${BACKEND_ENV} override the preference`, async () => {
    process.env[BACKEND_ENV] = 'cpu';
    expect(await initBackend('wasm')).toBe('cpu');
  });

  it('names the variable and the bad value', async () => {
    process.env[BACKEND_ENV] = 'gpu';
    await expect(initBackend()).rejects.toThrow(/HPO_TF_BACKEND: unknown TF.js backend 'gpu'; use one of tensorflow, wasm, cpu/);
  });

  it('fails clearly when a forced native backend is not installed here', async () => {
    process.env[BACKEND_ENV] = 'tensorflow';
    await expect(initBackend()).rejects.toThrow(/'tensorflow' \(from HPO_TF_BACKEND\) could not start: install @tensorflow\/tfjs-node/);
  });
});
