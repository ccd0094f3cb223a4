/**
 * Issue 16, pure parts: which static routes a config gives (route patterns mapped to URLPatterns,
 * never matching more than the route), the horizon, and report validation.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../sw/config.ts';
import { PROTOCOL } from '../../../sw/protocol.ts';
import { isStaticRouteReport, REPORT_MAX_URLS, staleHorizonMs, staticRouteRules, urlPatternFor } from '../../../sw/worker/staticRoute.ts';

const ORIGIN = 'http://127.0.0.1:8080';
const SAME = { protocol: 'http', hostname: '127.0.0.1', port: '8080' };

describe('urlPatternFor', () => {
  it.each([
    ['/data/images/', { ...SAME, pathname: '/data/images/*' }],
    ['/data/images/map_tile/', { ...SAME, pathname: '/data/images/map_tile/*' }],
    ['^http://127\\.0\\.0\\.1:8080/tiles/', { ...SAME, pathname: '/tiles/*' }],
    ['^http://127\\.0\\.0\\.1:8080/logo\\.png$', { ...SAME, pathname: '/logo.png', search: '' }],
    ['\\.png$', { ...SAME, pathname: '*.png', search: '' }],
    ['/a\\+b\\(1\\)/', { ...SAME, pathname: '/a\\+b\\(1\\)/*' }],
  ])('maps %s to a same-origin pattern', (source, expected) => {
    expect(urlPatternFor(source, ORIGIN)).toEqual(expected);
  });

  it.each([
    ['/photos/(?<image>[^/]+)-(?<width>\\d+)\\.jpg$'], // groups, classes
    ['/(tiles|maps)/'], // alternation
    ['/img/\\d+'], // \\d
    ['^https://cdn\\.example\\.com/'], // another origin
    ['images'], // not a path: could match the host or the query
    ['/a/b$'], // a path suffix with `/`: anchoring it would need more than a URLPattern says
    ['/search?q='], // a query
  ])('gives no pattern for %s', (source) => {
    expect(urlPatternFor(source, ORIGIN)).toBeNull();
  });

  it('neverMatchesAUrlTheRegularExpressionDoesNot', () => {
    // Every mapped form is a prefix or suffix of the pathname: check the literal against URLs.
    const urls = [`${ORIGIN}/data/images/a.png`, `${ORIGIN}/x/data/images/a.png`, `${ORIGIN}/logo.png?v=1`, `${ORIGIN}/logo.png`];
    for (const source of ['/data/images/', '\\.png$']) {
      const p = urlPatternFor(source, ORIGIN)!;
      const re = new RegExp(source);
      for (const url of urls) {
        const u = new URL(url);
        const path = p.pathname!.replace(/\\(.)/g, '$1');
        const matches = path.startsWith('*') ? u.pathname.endsWith(path.slice(1)) && (p.search !== '' || u.search === '') : u.pathname.startsWith(path.slice(0, -1));
        const covered = matches && (p.search === undefined || u.search === '');
        if (covered) expect(re.test(url)).toBe(true);
      }
    }
  });
});

describe('staticRouteRules', () => {
  it('addsOneRuleForEverySameOriginImageByDefault', () => {
    const config = resolveConfig({ maxBytes: 1000, cacheName: 'imgs', routes: [{ pattern: '^https://cdn\\.example\\.com/', crossOrigin: true }] });
    const plan = staticRouteRules(config, ORIGIN);
    expect(plan.rules).toEqual([{ condition: { requestDestination: 'image', runningStatus: 'not-running', urlPattern: SAME }, source: { cacheName: 'imgs' } }]);
    expect(plan.unexpressed).toEqual(['^https://cdn\\.example\\.com/']);
  });

  it('addsOneRulePerExpressibleRouteWithoutMatchImageDestination', () => {
    const config = resolveConfig({ maxBytes: 1000, matchImageDestination: false, routes: [{ pattern: '/tiles/' }, { pattern: '/(a|b)/' }] });
    const plan = staticRouteRules(config, ORIGIN);
    expect(plan.rules.map((r) => r.condition.urlPattern)).toEqual([{ ...SAME, pathname: '/tiles/*' }]);
    expect(plan.unexpressed).toEqual(['/(a|b)/']);
  });

  it('addsNothingWhenColdHitsIsOff', () => {
    expect(staticRouteRules(resolveConfig({ maxBytes: 1000, coldHits: 'off' }), ORIGIN)).toEqual({ rules: [], unexpressed: [] });
  });

  it('rejectsAnUnknownColdHitsValueNamingTheKey', () => {
    expect(() => resolveConfig({ maxBytes: 1000, coldHits: 'on' })).toThrow(/coldHits/);
    expect(resolveConfig({ maxBytes: 1000 }).coldHits).toBe('static-route');
  });
});

describe('staleHorizonMs', () => {
  it('coversTheLongerOfSweepAndHeartbeatPlusTheIdleStop', () => {
    expect(staleHorizonMs(30)).toBe(90_000);
    expect(staleHorizonMs(300)).toBe(330_000);
  });
});

describe('isStaticRouteReport', () => {
  it('acceptsAWellFormedReportAndCutsItsLists', () => {
    const report = { protocol: PROTOCOL, type: 'static-route', hits: [...Array(REPORT_MAX_URLS + 5)].map((_, i) => ({ url: `/a${i}`, at: i })), misses: ['/b', 3] };
    expect(isStaticRouteReport(report)).toBe(true);
    expect(report.hits.length).toBe(REPORT_MAX_URLS);
    expect(report.misses).toEqual(['/b']);
  });

  it.each([[null], [{ protocol: PROTOCOL, type: 'capture', urls: [] }], [{ protocol: 'x', type: 'static-route', hits: [], misses: [] }], [{ protocol: PROTOCOL, type: 'static-route', hits: 'a', misses: [] }]])(
    'refuses %j',
    (data) => expect(isStaticRouteReport(data)).toBe(false),
  );
});
