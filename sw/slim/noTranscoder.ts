/**
 * The standalone build's stand-in for `sw/transcode/Transcoder.ts` when no route of the config has
 * `transcode` (swapped in by `build/workerBundle.ts`): the strategy never calls `transform` then
 * (it does only for a route with `transcode`), and stats and health report what the real
 * transcoder reports before its first encode.
 * @internal
 */
import type { Transcoder as RealTranscoder, TranscodeHealth, TranscodeInput, TranscodeStats } from '../transcode/Transcoder.ts';

export class Transcoder implements Pick<RealTranscoder, 'stats' | 'health' | 'transform'> {
  constructor(_options?: unknown) {}

  get stats(): TranscodeStats {
    return { transcoded: 0, bytesSaved: 0, skipped: {}, encodeMsPerMegapixel: null, megapixelsEncoded: 0 };
  }

  get health(): TranscodeHealth {
    return { encoders: {} };
  }

  transform(input: TranscodeInput): Promise<TranscodeInput> {
    return Promise.resolve(input);
  }
}
