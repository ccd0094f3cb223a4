/**
 * The offline demo: a ride-sharing page whose images (map tiles, driver photos, vehicles,
 * banners) go through the image-cache service worker, with a live "Image cache" panel.
 * Registration itself is done by `<script src="/register.js">` (app/register-auto.ts).
 * @internal Demo only.
 */
import { BannerCarousel } from './banners.ts';
import { loadCatalog, type Catalog } from './catalog.ts';
import { renderDrivers } from './drivers.ts';
import { driverProfile, hash32 } from './format.ts';
import { ImageCacheClient } from '../client.ts';
import { TileMap } from './map.ts';
import { CachePanel } from './panel.ts';

/** The element with a `data-testid`; the page's HTML guarantees it exists. */
function byTestId<T extends HTMLElement = HTMLElement>(testId: string): T {
  const node = document.querySelector<T>(`[data-testid="${testId}"]`);
  if (node === null) throw new Error(`demo: missing [data-testid="${testId}"]`);
  return node;
}

function setChip(testId: string, text: string, state: 'ok' | 'warn' | 'error'): void {
  const chip = byTestId(testId);
  chip.textContent = text;
  chip.dataset.state = state;
}

function showNetwork(): void {
  setChip('status-network', navigator.onLine ? 'online' : 'offline', navigator.onLine ? 'ok' : 'warn');
  document.body.classList.toggle('offline', !navigator.onLine);
}

function showControl(): void {
  if (!('serviceWorker' in navigator)) setChip('status-controlled', 'no service worker', 'error');
  else if (navigator.serviceWorker.controller) setChip('status-controlled', 'cache active', 'ok');
  else setChip('status-controlled', 'not controlled yet', 'warn');
}

/**
 * "Save this area for offline": warms the tiles around the current view through the worker's job
 * queue (`client.warm`, priority `warm`), with a progress bar. Panning goes on meanwhile: the
 * page's own tile misses come first, the queue waits for them.
 */
function setUpSaveArea(map: TileMap, onImageSettled: () => void): void {
  const button = byTestId<HTMLButtonElement>('save-area-button');
  const bar = byTestId<HTMLProgressElement>('save-area-progress');
  const status = byTestId('save-area-status');
  const client = new ImageCacheClient({ timeoutMs: 30_000 });
  button.addEventListener('click', async () => {
    if (!client.controlled) {
      status.textContent = 'The image cache is not active yet.';
      return;
    }
    const urls = map.areaUrls(2);
    button.disabled = true;
    bar.hidden = false;
    bar.max = urls.length;
    bar.value = 0;
    status.textContent = `0 / ${urls.length} tiles`;
    try {
      const result = await client.warm(urls, {
        onProgress: (p) => {
          const settled = p.stored + p.skipped + p.failed;
          bar.value = settled;
          status.textContent = `${settled} / ${p.total} tiles`;
        },
      });
      const failed = result.failed.length;
      status.textContent = `Saved ${result.stored.length + result.skipped.length} of ${urls.length} tiles for offline${failed ? ` (${failed} failed)` : ''}.`;
      status.dataset.state = failed ? 'warn' : 'ok';
    } catch (error) {
      status.textContent = `Could not save: ${error instanceof Error ? error.message : String(error)}`;
      status.dataset.state = 'error';
    } finally {
      button.disabled = false;
      onImageSettled();
    }
  });
}

function showCatalog(catalog: Catalog, source: 'network' | 'saved', onImageSettled: () => void): void {
  const { grid, drivers, vehicles, banners } = catalog;
  const viewport = byTestId('map-viewport');
  if (grid) {
    const map = new TileMap(viewport, grid, byTestId('map-position'), { onImageSettled });
    setUpSaveArea(map, onImageSettled);
    // The first drivers' cars, scattered deterministically around the centre.
    const cols = grid.maxX - grid.minX + 1;
    const rows = grid.maxY - grid.minY + 1;
    map.addMarkers(
      drivers.slice(0, 8).map((d) => {
        const h = hash32(`pos:${d.id}`);
        const p = driverProfile(d.id);
        return {
          tx: cols / 2 + ((h % 1000) / 1000 - 0.5) * 4,
          ty: rows / 2 + (((h >>> 10) % 1000) / 1000 - 0.5) * 3,
          label: p.name.split(' ').map((w) => w[0]).join(''),
          title: `${p.name} · ${p.colour} ${p.vehicle} · ${p.plate}`,
        };
      }),
    );
  } else {
    byTestId('map-message').textContent = 'No map tiles in the dataset.';
  }
  renderDrivers(byTestId('driver-list'), byTestId<HTMLButtonElement>('drivers-more'), drivers, vehicles, {
    onImageSettled,
  });
  new BannerCarousel(byTestId('banners'), banners, { onImageSettled });
  if (source === 'saved') byTestId('map-message').textContent = 'Offline: using the saved image list.';
}

async function main(): Promise<void> {
  const panel = new CachePanel(byTestId('cache-panel'));
  const onImageSettled = (): void => panel.refreshSoon();

  showNetwork();
  showControl();
  addEventListener('online', showNetwork);
  addEventListener('offline', showNetwork);
  navigator.serviceWorker?.addEventListener('controllerchange', showControl);
  addEventListener('sw-image-cache:controlled', showControl);

  const notice = byTestId('update-notice');
  addEventListener('sw-image-cache:update', () => {
    notice.hidden = false;
  });
  byTestId('update-reload').addEventListener('click', () => location.reload());

  try {
    const { catalog, source } = await loadCatalog();
    showCatalog(catalog, source, onImageSettled);
    document.body.dataset.ready = 'true';
  } catch (error) {
    console.error('demo: could not load the dataset', error);
    byTestId('map-message').textContent =
      'Could not load /data/image_metadata.csv. Generate the dataset with `npm run data`.';
    document.body.dataset.ready = 'error';
  }
}

void main();
