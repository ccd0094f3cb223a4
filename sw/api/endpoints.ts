import { errorCodeOf } from '../errors/ImageCacheError.ts';
import { PROTOCOL, type ClientReply, type ClientRequest, type QueuePriority, type WarmProgress, type WarmResult } from '../protocol.ts';
import type { ImageCache } from '../storage/ImageCache.ts';

/** The path segment of the worker's virtual endpoints, below its scope. */
export const API_PREFIX = '__image-cache/';

/** What the endpoints need besides the cache. */
export interface ApiContext {
  cache: ImageCache;
  /** Extra fields merged into the stats JSON (warm-up report, recovery, …). */
  statsExtras?: () => Record<string, unknown>;
  /** The health report. */
  health: () => Promise<unknown>;
  /**
   * Warms `urls` (absolute) through the worker's job queue at `priority`, calling `onProgress`
   * after each URL.
   */
  warm: (urls: string[], priority: QueuePriority, onProgress?: (progress: WarmProgress) => void) => Promise<WarmResult>;
}

const PRIORITIES: readonly QueuePriority[] = ['capture', 'manifest', 'warm'];

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body, null, 2), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}

/**
 * Runs one operation of the page protocol (shared by the HTTP endpoints and the MessageChannel
 * handler). Rejects with the underlying error.
 */
export async function runOperation(
  context: ApiContext,
  request: ClientRequest,
  base: string,
  onProgress?: (progress: WarmProgress) => void,
): Promise<unknown> {
  const { cache } = context;
  switch (request.op) {
    case 'ping':
      return { pong: true };
    case 'stats':
      await cache.ready();
      return { ...cache.stats(), ...context.statsExtras?.() };
    case 'entries':
      return cache.entries();
    case 'health':
      return context.health();
    case 'delete':
      return { deleted: await cache.delete(new URL(request.url, base).href) };
    case 'clear':
      await cache.clear();
      return { cleared: true };
    case 'warm':
      if (!Array.isArray(request.urls) || request.urls.some((u) => typeof u !== 'string')) {
        throw new TypeError('warm: urls must be an array of strings');
      }
      if (request.priority !== undefined && !PRIORITIES.includes(request.priority)) {
        throw new TypeError(`warm: priority must be one of ${PRIORITIES.join(', ')}`);
      }
      return context.warm(request.urls.map((u) => new URL(u, base).href), request.priority ?? 'warm', onProgress);
    default:
      throw new TypeError(`unknown operation ${JSON.stringify((request as { op: unknown }).op)}`);
  }
}

/**
 * Answers the virtual endpoints (DESIGN.md §5), below the worker's scope:
 * - `GET __image-cache/stats` → {@link CacheStats} plus `warmup`, `lastRecovery`;
 * - `GET __image-cache/entries` → {@link EntryInfo}[] (ms since epoch; `expiresAt: null` = never), LRU first;
 * - `GET __image-cache/health` → {@link HealthReport};
 * - `DELETE __image-cache/entries?url=…` → `{ deleted }`;
 * - `POST __image-cache/clear` → `{ cleared: true }`;
 * - `POST __image-cache/warm` with a JSON array of URLs → {@link WarmResult}.
 * Other paths: 404; other methods: 405; failures: 503 (JSON `{ error }`).
 * @param name The path after `<scope>__image-cache/`.
 */
export async function handleApiRequest(context: ApiContext, request: Request, name: string): Promise<Response> {
  const url = new URL(request.url);
  const method = request.method;
  const routes: Record<string, Record<string, () => Promise<ClientRequest>>> = {
    stats: { GET: async () => ({ protocol: PROTOCOL, op: 'stats' }) },
    health: { GET: async () => ({ protocol: PROTOCOL, op: 'health' }) },
    entries: {
      GET: async () => ({ protocol: PROTOCOL, op: 'entries' }),
      DELETE: async () => {
        const target = url.searchParams.get('url');
        if (!target) throw new RangeError('the url query parameter is required');
        return { protocol: PROTOCOL, op: 'delete', url: target };
      },
    },
    clear: { POST: async () => ({ protocol: PROTOCOL, op: 'clear' }) },
    warm: { POST: async () => ({ protocol: PROTOCOL, op: 'warm', urls: (await request.json()) as string[] }) },
  };
  const route = routes[name];
  if (!route) return json({ error: `no endpoint ${API_PREFIX}${name}` }, 404);
  const parse = route[method];
  if (!parse) return json({ error: `method ${method} not allowed on ${API_PREFIX}${name}` }, 405);
  let op: ClientRequest;
  try {
    op = await parse();
  } catch (e) {
    return json({ error: e instanceof Error ? e.message : String(e) }, 400);
  }
  try {
    return json(await runOperation(context, op, url.href));
  } catch (e) {
    return json({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), code: errorCodeOf(e) }, 503);
  }
}

/**
 * Handles a `message` event of the page protocol: replies on `ports[0]` with a {@link ClientReply}
 * (a `warm` asking for `progress` first gets one `{ progress }` message per settled URL).
 * Returns false (and does nothing) for messages of other protocols.
 */
export function handleMessage(context: ApiContext, data: unknown, port: MessagePort | undefined, base: string): Promise<void> | false {
  if (typeof data !== 'object' || data === null || (data as { protocol?: unknown }).protocol !== PROTOCOL || !port) return false;
  const request = data as ClientRequest;
  const onProgress =
    request.op === 'warm' && request.progress ? (progress: WarmProgress) => port.postMessage({ protocol: PROTOCOL, progress } satisfies ClientReply) : undefined;
  return runOperation(context, request, base, onProgress).then(
    (result) => port.postMessage({ protocol: PROTOCOL, ok: true, result } satisfies ClientReply),
    (e: unknown) =>
      port.postMessage({
        protocol: PROTOCOL,
        ok: false,
        error: { name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e), code: errorCodeOf(e) },
      } satisfies ClientReply),
  );
}
