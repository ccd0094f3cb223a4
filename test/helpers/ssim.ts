/** The worker's SSIM (sw/transcode/ssim.ts), used by the tests to judge fidelity from Node-decoded pixels. */
export { ssim } from '../../sw/transcode/ssim.ts';
