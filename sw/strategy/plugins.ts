import type { PluginState, WorkboxPlugin } from 'workbox-core/types.js';

/** The Workbox plugin callbacks `ImageCacheStrategy` calls (see its docstring for each). */
export type SupportedCallback =
  | 'handlerWillStart'
  | 'requestWillFetch'
  | 'fetchDidFail'
  | 'fetchDidSucceed'
  | 'cachedResponseWillBeUsed'
  | 'cacheWillUpdate'
  | 'handlerWillRespond'
  | 'handlerDidRespond'
  | 'handlerDidError'
  | 'handlerDidComplete';

type Param<K extends SupportedCallback> = Parameters<NonNullable<WorkboxPlugin[K]>>[0];
type Result<K extends SupportedCallback> = Awaited<ReturnType<NonNullable<WorkboxPlugin[K]>>>;

/**
 * The plugins of one strategy, with one `state` object per plugin per handled request (as Workbox's
 * `StrategyHandler` gives them). Callbacks run in the order the plugins were given.
 * @internal
 */
export class PluginRunner {
  readonly #plugins: readonly WorkboxPlugin[];
  readonly #has = new Set<SupportedCallback>();

  constructor(plugins: readonly WorkboxPlugin[]) {
    this.#plugins = plugins;
    for (const p of plugins) for (const k of Object.keys(p)) if (typeof (p as Record<string, unknown>)[k] === 'function') this.#has.add(k as SupportedCallback);
  }

  /** Whether any plugin has `name` (checked before building a callback's parameters on a hot path). */
  has(name: SupportedCallback): boolean {
    return this.#has.has(name);
  }

  /** The per-request states: one object per plugin, created on first use. */
  states(): Map<WorkboxPlugin, PluginState> {
    return new Map();
  }

  /**
   * Calls `name` on every plugin in turn; `thread` makes each call's result the next call's input
   * (Workbox threads `request` for requestWillFetch and `response` for fetchDidSucceed, …).
   * @returns The results, in plugin order.
   */
  async each<K extends SupportedCallback>(
    name: K,
    states: Map<WorkboxPlugin, PluginState>,
    param: Omit<Param<K>, 'state'>,
    thread?: (param: Omit<Param<K>, 'state'>, result: Result<K>) => Omit<Param<K>, 'state'>,
  ): Promise<Array<Result<K>>> {
    const results: Array<Result<K>> = [];
    let p = param;
    for (const plugin of this.#plugins) {
      const callback = plugin[name] as ((param: Param<K>) => Promise<Result<K>>) | undefined;
      if (typeof callback !== 'function') continue;
      let state = states.get(plugin);
      if (!state) states.set(plugin, (state = {}));
      const result = await callback.call(plugin, { ...p, state } as Param<K>);
      results.push(result);
      if (thread) p = thread(p, result);
    }
    return results;
  }
}
