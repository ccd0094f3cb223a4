/**
 * Cold hits by static route (issue 16, config `coldHits`): the rules `installImageCache` declares
 * with `InstallEvent.addRoutes` (the Service Worker Static Routing API, Chromium 123+;
 * https://w3c.github.io/ServiceWorker/#dom-installevent-addroutes, explainer
 * https://github.com/WICG/service-worker-static-routing-api), and the worker side of what pages
 * report about them.
 *
 * Each rule reads "an image request (`requestDestination: 'image'`) made while the worker is not
 * running (`runningStatus: 'not-running'`) whose URL one of our image routes covers
 * (`urlPattern`): answer from the Cache Storage cache `cacheName`, else the network". Chromium
 * answers a rule whose cache has no entry for the URL from the network (checked by
 * `test/browser/static-route.test.ts`). Only fresh entries are kept in `cacheName`
 * (`sw/storage/staleStore.ts`).
 *
 * Route patterns are regular expressions tested against the whole URL; a static route needs a
 * URLPattern, which cannot say everything a regular expression can (and Chromium refuses custom
 * regexp groups in static routes). {@link urlPatternFor} maps the forms it can to a pattern that
 * matches a subset of the URLs the expression matches (never more); a route it cannot map gets no
 * static rule (its images are answered by the worker as before).
 * @module
 * @internal
 */
import type { ResolvedConfig } from '../config.ts';
import type { Seconds } from '../policy/types.ts';
import { PROTOCOL, type CacheStats, type StaticRouteReport } from '../protocol.ts';

/**
 * A URLPattern as a plain dictionary (the `URLPatternInit` that `addRoutes` accepts). A component
 * left out matches anything (`*`).
 */
export interface UrlPatternInit {
  protocol?: string;
  hostname?: string;
  port?: string;
  pathname?: string;
  search?: string;
}

/** One rule passed to `InstallEvent.addRoutes`. */
export interface StaticRouteRule {
  condition: { requestDestination: 'image'; runningStatus: 'not-running'; urlPattern: UrlPatternInit };
  source: { cacheName: string };
}

/** What {@link staticRouteRules} decided. */
export interface StaticRoutePlan {
  /** The rules to add (empty when `coldHits` is `"off"`). */
  rules: StaticRouteRule[];
  /** Patterns of `routes` that got no rule (cross-origin, or not expressible as a URLPattern). */
  unexpressed: string[];
}

/**
 * Longest time between two page heartbeats while a page with the registration snippet is visible,
 * in seconds (`registerImageCache` posts one at least this often; each one wakes the worker, which
 * then moves the entries about to expire out of the routed cache).
 */
export const HEARTBEAT_SECONDS = 60;
/** How long Chromium lets an idle service worker run before stopping it, in seconds. */
export const IDLE_STOP_SECONDS = 30;

/**
 * The horizon of the fresh/stale split, in ms: on every wake, heartbeat and sweep the worker moves
 * out of the routed cache every entry expiring within it, so the routed cache holds only entries
 * that stay fresh until the next pass is due: `max(sweepIntervalSeconds, HEARTBEAT_SECONDS) +
 * IDLE_STOP_SECONDS` (90 s by default).
 * @param sweepIntervalSeconds The config's `sweepIntervalSeconds`.
 */
export function staleHorizonMs(sweepIntervalSeconds: Seconds): number {
  return (Math.max(sweepIntervalSeconds, HEARTBEAT_SECONDS) + IDLE_STOP_SECONDS) * 1000;
}

/** Characters with a meaning in a regular expression. */
const REGEX_SPECIAL = new Set([...'.*+?()[]{}|^$\\']);
/** Characters with a meaning in a URLPattern component string (escaped with `\`). */
const PATTERN_SPECIAL = /[\\*:(){}+?]/g;

/**
 * The literal text a regular expression source matches, or `null` when it is not a plain
 * literal (escapes of punctuation such as `\.` `\/` `\-` are literal; any other special character,
 * class or quantifier is not).
 */
function literal(source: string): string | null {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const next = source[i + 1];
      if (next === undefined || /[A-Za-z0-9]/.test(next)) return null; // \d, \w, \b, \1…
      out += next;
      i++;
    } else if (REGEX_SPECIAL.has(c)) {
      return null;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * A URLPattern matching only same-origin URLs that the route's regular expression `source`
 * matches (a subset: it may match fewer, never more), or `null` when no such pattern is simple to
 * state. Understood forms (`L` a literal path without `?` or `#`):
 * - `L` with `L` starting with `/` (unanchored, as in `"/data/images/"`): pathnames starting with `L`;
 * - `^<origin>L` (the worker's origin, escaped or not): the same, anchored;
 * - `L$` with `L` containing no `/` (as in `"\\.png$"`): pathnames ending with `L`, no query.
 * Classes, groups, alternation, quantifiers or another origin give `null`.
 * @param source The route's `pattern` (a regular expression source tested against `url.href`).
 * @param origin The worker's origin, e.g. `http://127.0.0.1:8080`.
 */
export function urlPatternFor(source: string, origin: string): UrlPatternInit | null {
  const o = new URL(origin);
  const same: UrlPatternInit = { protocol: o.protocol.slice(0, -1), hostname: o.hostname, port: o.port };
  const escape = (text: string): string => text.replace(PATTERN_SPECIAL, (c) => `\\${c}`);
  const ends = source.endsWith('$') && !source.endsWith('\\$');
  const body = ends ? source.slice(0, -1) : source;
  if (body.startsWith('^')) {
    const text = literal(body.slice(1));
    if (text === null || !text.startsWith(`${o.origin}/`)) return null;
    const path = text.slice(o.origin.length);
    if (/[?#]/.test(path)) return null;
    return ends ? { ...same, pathname: escape(path), search: '' } : { ...same, pathname: `${escape(path)}*` };
  }
  const text = literal(body);
  if (text === null || text === '' || /[?#]/.test(text)) return null;
  if (text.startsWith('/') && !ends) return { ...same, pathname: `${escape(text)}*` };
  if (ends && !text.includes('/')) return { ...same, pathname: `*${escape(text)}`, search: '' };
  return null;
}

/**
 * The static routes to add for a config: with `matchImageDestination`, one rule for every
 * same-origin image (it covers the configured routes' same-origin URLs too); otherwise one rule
 * per route whose pattern {@link urlPatternFor} can state. Pure.
 * @param config `coldHits`, `matchImageDestination`, `routes` and `cacheName` of the resolved config.
 * @param origin The worker's origin.
 */
export function staticRouteRules(
  config: Pick<ResolvedConfig, 'coldHits' | 'matchImageDestination' | 'routes' | 'cacheName'>,
  origin: string,
): StaticRoutePlan {
  if (config.coldHits !== 'static-route') return { rules: [], unexpressed: [] };
  const o = new URL(origin);
  const rule = (urlPattern: UrlPatternInit): StaticRouteRule => ({
    condition: { requestDestination: 'image', runningStatus: 'not-running', urlPattern },
    source: { cacheName: config.cacheName },
  });
  if (config.matchImageDestination) {
    // Cross-origin URLs are never in a same-origin rule: the worker answers them as before.
    const unexpressed = config.routes.filter((r) => r.crossOrigin).map((r) => r.pattern);
    return { rules: [rule({ protocol: o.protocol.slice(0, -1), hostname: o.hostname, port: o.port })], unexpressed };
  }
  const rules: StaticRouteRule[] = [];
  const unexpressed: string[] = [];
  for (const r of config.routes) {
    const pattern = urlPatternFor(r.pattern, origin);
    if (pattern) rules.push(rule(pattern));
    else unexpressed.push(r.pattern);
  }
  return { rules, unexpressed };
}

/** Most hits and misses taken from one report (a larger batch is cut). */
export const REPORT_MAX_URLS = 1000;

/** Whether `data` is a {@link StaticRouteReport} (well formed; lists cut to {@link REPORT_MAX_URLS}). */
export function isStaticRouteReport(data: unknown): data is StaticRouteReport {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Partial<StaticRouteReport>;
  if (d.protocol !== PROTOCOL || d.type !== 'static-route' || !Array.isArray(d.hits) || !Array.isArray(d.misses)) return false;
  d.hits = d.hits.filter((h) => typeof h === 'object' && h !== null && typeof h.url === 'string' && typeof h.at === 'number').slice(0, REPORT_MAX_URLS);
  d.misses = d.misses.filter((u) => typeof u === 'string').slice(0, REPORT_MAX_URLS);
  return true;
}

/** Whether this browser has static routes (`InstallEvent.prototype.addRoutes`). */
export function staticRoutesSupported(): boolean {
  const installEvent = (globalThis as { InstallEvent?: { prototype: { addRoutes?: unknown } } }).InstallEvent;
  return typeof installEvent?.prototype?.addRoutes === 'function';
}

/**
 * The worker's view of its static routes: supported, active, bodies moved to the stale store.
 * `active` assumes that the routes added at install succeeded (a failure is only known to the
 * worker that installed them: the browser keeps a worker version's routes for its whole life).
 * @internal
 */
export class StaticRouteState {
  readonly supported: boolean;
  #active: boolean;
  #moved = 0;

  /** @param hasRules Whether the config gives at least one rule. */
  constructor(hasRules: boolean, supported = staticRoutesSupported()) {
    this.supported = supported;
    this.#active = supported && hasRules;
  }

  /** Whether the static routes are on (the routed cache is then kept fresh). */
  get active(): boolean {
    return this.#active;
  }

  /** `addRoutes` rejected: no static route in this worker version. */
  failed(_reason: string): void {
    this.#active = false;
  }

  /** Counts bodies moved to the stale store. */
  moved(n: number): void {
    this.#moved += n;
  }

  /** Bodies moved to the stale store in this worker's life. */
  get movedBodies(): number {
    return this.#moved;
  }

  /** The `staticRoute` stats: the cache's persisted counters with this worker's `supported` and `active`. */
  stats(cacheStats: CacheStats): CacheStats['staticRoute'] {
    return { ...cacheStats.staticRoute, supported: this.supported, active: this.#active };
  }
}
