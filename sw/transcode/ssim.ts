/**
 * Mean SSIM (Wang, Bovik, Sheikh & Simoncelli 2004) of two images of the same size, on luma
 * (BT.601: 0.299 R + 0.587 G + 0.114 B, alpha ignored), over non-overlapping 8×8 windows with the
 * paper's constants (K1 = 0.01, K2 = 0.03, L = 255). 1 means identical.
 * @param a RGBA pixels, 4 bytes per pixel, row-major.
 * @param b RGBA pixels of the same size.
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @throws Error when the buffers do not hold width × height × 4 bytes.
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, width: number, height: number): number {
  if (a.length !== width * height * 4 || b.length !== a.length) throw new Error(`ssim: expected ${width * height * 4} bytes each, got ${a.length} and ${b.length}`);
  const luma = (p: ArrayLike<number>, i: number) => 0.299 * p[i]! + 0.587 * p[i + 1]! + 0.114 * p[i + 2]!;
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  const win = 8;
  let sum = 0;
  let windows = 0;
  for (let y0 = 0; y0 < height; y0 += win) {
    for (let x0 = 0; x0 < width; x0 += win) {
      let n = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (let y = y0; y < Math.min(y0 + win, height); y++) {
        for (let x = x0; x < Math.min(x0 + win, width); x++) {
          const i = (y * width + x) * 4;
          const va = luma(a, i);
          const vb = luma(b, i);
          n++; sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb;
        }
      }
      const ma = sa / n, mb = sb / n;
      const varA = saa / n - ma * ma, varB = sbb / n - mb * mb, cov = sab / n - ma * mb;
      sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (varA + varB + c2));
      windows++;
    }
  }
  return sum / windows;
}
