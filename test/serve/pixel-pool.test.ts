/**
 * The per-image array pool: an array given back is handed out again for the same length; arrays
 * it did not make, and second returns of one array, are refused, so no two holders ever share
 * an array.
 */
import { describe, expect, it } from 'vitest';
import { givePixels, takePixels } from '../../src/serve/pipeline/pixel-pool.ts';

describe('pixel pool', () => {
  it('hands a returned array out again, for its own length only', () => {
    const a = takePixels(1234);
    expect(a.length).toBe(1234);
    givePixels(a);
    expect(takePixels(999)).not.toBe(a);
    expect(takePixels(1234)).toBe(a);
    expect(takePixels(1234)).not.toBe(a);
  });

  it('refuses arrays it did not make and a second return of the same array', () => {
    const foreign = new Float32Array(777);
    givePixels(foreign);
    expect(takePixels(777)).not.toBe(foreign);

    const b = takePixels(555);
    givePixels(b);
    givePixels(b);
    const first = takePixels(555);
    const second = takePixels(555);
    expect(first).toBe(b);
    expect(second).not.toBe(b);
  });
});
