import { describe, expect, it } from 'vitest';
import { ssim } from '../../../sw/transcode/ssim.ts';

/** A 32×32 RGBA gradient with some texture. */
function gradient(): Uint8Array {
  const p = new Uint8Array(32 * 32 * 4);
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
    const i = (y * 32 + x) * 4;
    p[i] = x * 8; p[i + 1] = y * 8; p[i + 2] = (x * y) % 256; p[i + 3] = 255;
  }
  return p;
}

describe('ssim', () => {
  it('isOneForIdenticalImages', () => {
    const g = gradient();
    expect(ssim(g, g.slice(), 32, 32)).toBeCloseTo(1, 10);
  });
  it('dropsWithNoiseAndMoreWithMoreNoise', () => {
    const g = gradient();
    const noisy = (amp: number) => g.map((v, i) => (i % 4 === 3 ? v : Math.max(0, Math.min(255, v + ((i * 7919) % (2 * amp + 1)) - amp))));
    const small = ssim(g, noisy(3), 32, 32);
    const large = ssim(g, noisy(60), 32, 32);
    expect(small).toBeLessThan(1);
    expect(small).toBeGreaterThan(0.9);
    expect(large).toBeLessThan(small);
    expect(large).toBeLessThan(0.8);
  });
  it('rejectsMismatchedSizes', () => {
    expect(() => ssim(gradient(), new Uint8Array(4), 32, 32)).toThrow(/expected 4096 bytes/);
  });
});
