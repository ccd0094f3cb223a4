/**
 * The health report's storage part on engines with and without `navigator.storage.estimate()`
 * (WebKitGTK 2.50 has no Storage API by default; the browser side is tested in
 * test/browser/engines.test.ts through the health endpoint).
 */
import { describe, expect, it } from 'vitest';
import { ErrorLog, healthReport } from '../../../sw/api/Health.ts';
import { EntryMetadataModel } from '../../../sw/storage/EntryMetadataModel.ts';
import { ImageCache } from '../../../sw/storage/ImageCache.ts';
import { FakeBodyStore, FakeMetadataStore } from '../../helpers/fakes.ts';

let n = 0;
async function loadedCache(): Promise<ImageCache> {
  const name = `health-${n++}`;
  const cache = new ImageCache({ cacheName: name, maxBytes: 1000, metadata: new EntryMetadataModel(`${name}-db`) });
  await cache.recover();
  return cache;
}

describe('healthReport storage', () => {
  it('saysUnsupportedAndStaysOkWithTheConfiguredBudgetWhenTheEngineHasNoStorageApi', async () => {
    const cache = await loadedCache();
    let asked = 0;
    const report = await healthReport(cache, new ErrorLog(), null, async () => (asked++, null), undefined);
    expect(report).toMatchObject({ status: 'ok', storage: null, storageEstimate: 'unsupported', effectiveMaxBytes: 1000, maxBytes: 1000 });
    expect(asked).toBe(0);
  });

  it('reportsTheEstimateWhereSupported', async () => {
    const cache = await loadedCache();
    const estimate = async () => ({ usage: 10, quota: 5000 });
    const report = await healthReport(cache, new ErrorLog(), null, estimate, { estimate });
    expect(report).toMatchObject({ status: 'ok', storage: { usage: 10, quota: 5000 }, storageEstimate: 'supported' });
  });

  it('saysFailedWhenTheEstimateRejectsOrHasNoQuota', async () => {
    const cache = await loadedCache();
    const rejects = async (): Promise<{ quota?: number }> => {
      throw new Error('SecurityError');
    };
    expect(await healthReport(cache, new ErrorLog(), null, rejects, { estimate: rejects })).toMatchObject({ storage: null, storageEstimate: 'failed' });
    const noQuota = async () => ({ usage: 1 });
    expect(await healthReport(cache, new ErrorLog(), null, noQuota, { estimate: noQuota })).toMatchObject({ storage: null, storageEstimate: 'failed' });
  });
});

describe('healthReport: failures recover and are visible (issue 9 item 8)', () => {
  it('listsAStuckMutationAsAnErrorAndCountsTheTimeout', async () => {
    const { FakeBodyStore, FakeMetadataStore, imageResponse } = await import('../../helpers/fakes.ts');
    const metadata = new FakeMetadataStore();
    const errors = new ErrorLog();
    const cache = new ImageCache({
      cacheName: 'health-stuck',
      maxBytes: 1000,
      metadata,
      bodies: new FakeBodyStore('health-stuck'),
      writeBehindMs: 0,
      mutationTimeLimitMs: 20,
      onEvent: (e) => {
        if (e.type === 'error') errors.add(e.at, e.operation, e.message);
      },
    });
    await cache.put('https://app.test/a.png', imageResponse(10));
    metadata.stuckWriteBehind = true;
    await cache.lookup('https://app.test/a.png');
    await cache.flushSoon();
    const report = await healthReport(cache, errors, null, async () => null, undefined);
    expect(report).toMatchObject({ status: 'degraded', indexLoaded: true, mutationTimeouts: 1 });
    expect(report.recentErrors.last.map((e) => e.operation)).toEqual(['write-behind']);
    expect(report.recentErrors.last[0]!.message).toMatch(/mutation-timeout/);
  });

  it('saysTheIndexIsNotLoaded (null, with the recovery error) while it cannot load', async () => {
    const bodies = new FakeBodyStore('health-unloadable');
    bodies.urls = async () => {
      throw new DOMException('disk gone (injected)', 'UnknownError');
    };
    const cache = new ImageCache({ cacheName: 'health-unloadable', maxBytes: 1000, metadata: new FakeMetadataStore(), bodies });
    const report = await healthReport(cache, new ErrorLog(), null, async () => null, undefined);
    expect(report).toMatchObject({ status: 'failed', indexLoaded: false, index: null });
    expect(String(report.lastRecovery?.error)).toMatch(/UnknownError: disk gone/);
  });

  it('saysHowTheIndexLoaded: records on activate, then the snapshot on the next wake', async () => {
    const name = `health-index-${n++}`;
    const open = () => new ImageCache({ cacheName: name, maxBytes: 1000, metadata: new EntryMetadataModel(`${name}-db`) });
    const empty = open();
    await empty.recover();
    expect((await healthReport(empty, new ErrorLog(), null, async () => null, undefined)).index).toMatchObject({ source: 'empty', entries: 0 });
    await empty.put('https://app.test/a.png', new Response(new Uint8Array(10), { headers: { 'content-type': 'image/png' } }));
    expect(await empty.writeSnapshot()).toBe(true);
    const woken = open();
    const report = await healthReport(woken, new ErrorLog(), null, async () => null, undefined);
    expect(report.index).toMatchObject({ source: 'snapshot', entries: 1 });
    expect(report.index!.loadMs).toBeGreaterThanOrEqual(0);
    expect(Object.keys(report.index!).sort()).toEqual(['entries', 'loadMs', 'source']);
  });
});
