import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { Transcoder, type TranscodePlatform } from '../../../sw/transcode/Transcoder.ts';
import { parseTranscodeOptions } from '../../../sw/transcode/TranscodeOptions.ts';

/**
 * A platform like WebKit's for WebP: decoding works, but `convertToBlob` ignores a type it cannot
 * encode and returns PNG (HTML canvas spec: unsupported types fall back to image/png). Node has no
 * OffscreenCanvas; this stands in for the engine only (the real encoder is tested in Chromium).
 */
function pngOnlyPlatform(): TranscodePlatform & { decodes: number } {
  const platform = {
    decodes: 0,
    async decode() {
      platform.decodes++;
      return { width: 8, height: 8, close() {} } as unknown as ImageBitmap;
    },
    canvas(width: number, height: number) {
      return {
        width,
        height,
        getContext: () => ({ drawImage() {}, getImageData: () => ({ data: new Uint8ClampedArray(width * height * 4) }) }),
        convertToBlob: async () => new Blob([new Uint8Array(10)], { type: 'image/png' }),
      } as unknown as OffscreenCanvas;
    },
    now: () => 0,
  };
  return platform;
}

describe('Transcoder', () => {
  it('storesTheOriginalAndReportsOnceWhenTheEngineCannotEncodeTheTarget', async () => {
    const platform = pngOnlyPlatform();
    const unsupported: string[] = [];
    const transcoder = new Transcoder({ platform, onUnsupported: (t) => unsupported.push(t) });
    const options = parseTranscodeOptions({ to: 'image/webp' }, 't');
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).png().toBuffer();
    const input = { type: 'basic' as ResponseType, body: new Uint8Array(png).buffer, headers: new Headers({ 'content-type': 'image/png' }) };
    for (let i = 0; i < 3; i++) expect(await transcoder.transform(input, options)).toBe(input);
    expect(unsupported).toEqual(['image/webp']);
    expect(platform.decodes).toBe(1); // after the first attempt, no more decoding
    expect(transcoder.health).toEqual({ encoders: { 'image/webp': 'unsupported' } });
    expect(transcoder.stats).toMatchObject({ transcoded: 0, bytesSaved: 0, skipped: { 'no-encoder': 3 } });
  });
  it('leavesRoutesWithoutTranscodeAloneAndUncounted', async () => {
    const transcoder = new Transcoder({ platform: pngOnlyPlatform() });
    const input = { type: 'basic' as ResponseType, body: new ArrayBuffer(4), headers: new Headers() };
    expect(await transcoder.transform(input, undefined)).toBe(input);
    expect(transcoder.stats).toEqual({ transcoded: 0, bytesSaved: 0, skipped: {}, encodeMsPerMegapixel: null, megapixelsEncoded: 0 });
  });
});
