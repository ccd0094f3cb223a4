/**
 * A pannable slippy map of `<img>` tiles (so each request has destination `image` and goes
 * through the worker's image route). Only the tiles in view plus a margin are in the DOM.
 * Pan by dragging (mouse, pen or touch, through pointer events), with the arrow buttons, or
 * with the arrow keys when the map has focus (Shift: a bigger step).
 * @internal Demo only.
 */
import type { TileGrid } from './catalog.ts';
import { el } from './format.ts';

/** Tiles kept around the visible area, so a short pan shows no blank tiles. */
const MARGIN_TILES = 1;
/** Keyboard step in CSS pixels (Shift: a whole tile times two). */
const KEY_STEP_PX = 96;

/** A point of interest drawn over the map (a driver's car). */
export interface MapMarker {
  /** World position in tile units from the grid's top-left corner (fractions allowed). */
  tx: number;
  ty: number;
  label: string;
  title: string;
}

export interface TileMapOptions {
  /** Called after every tile load or error (the panel refreshes after bursts). */
  onImageSettled?: () => void;
}

export class TileMap {
  private readonly layer: HTMLDivElement;
  private readonly tiles = new Map<string, HTMLImageElement>();
  private readonly worldWidth: number;
  private readonly worldHeight: number;
  /** Top-left corner of the view, in world pixels. */
  private offsetX = 0;
  private offsetY = 0;
  private frame = 0;
  private animation = 0;
  /** Where the running pan animation ends, if one is running. */
  private target: { x: number; y: number } | undefined;

  /**
   * @param viewport the element that clips the map (gets `data-testid="map-viewport"`).
   * @param grid the tiles to show; the view starts at the grid's centre.
   * @param position element showing the centre tile, optional.
   */
  constructor(
    private readonly viewport: HTMLElement,
    private readonly grid: TileGrid,
    private readonly position: HTMLElement | null,
    private readonly options: TileMapOptions = {},
  ) {
    const size = grid.tileSize;
    this.worldWidth = (grid.maxX - grid.minX + 1) * size;
    this.worldHeight = (grid.maxY - grid.minY + 1) * size;
    this.layer = el('div', 'map-layer');
    this.layer.style.width = `${this.worldWidth}px`;
    this.layer.style.height = `${this.worldHeight}px`;
    viewport.prepend(this.layer);
    this.centre();
    this.listen();
  }

  /**
   * The tile URLs around the current view: every tile within `radiusTiles` tiles of the visible
   * area (clamped to the grid), nearest the centre first. Read at call time, so a pan after the
   * call does not change the list.
   */
  areaUrls(radiusTiles = 2): string[] {
    const { grid } = this;
    const size = grid.tileSize;
    const cols = grid.maxX - grid.minX;
    const rows = grid.maxY - grid.minY;
    const first = (o: number) => Math.floor(o / size) - radiusTiles;
    const last = (o: number, span: number) => Math.floor((o + span - 1) / size) + radiusTiles;
    const cx = (this.offsetX + this.viewport.clientWidth / 2) / size;
    const cy = (this.offsetY + this.viewport.clientHeight / 2) / size;
    const out: Array<{ url: string; d: number }> = [];
    for (let row = Math.max(0, first(this.offsetY)); row <= Math.min(rows, last(this.offsetY, this.viewport.clientHeight)); row++) {
      for (let col = Math.max(0, first(this.offsetX)); col <= Math.min(cols, last(this.offsetX, this.viewport.clientWidth)); col++) {
        const url = grid.urls.get(`${grid.minX + col},${grid.minY + row}`);
        if (url !== undefined) out.push({ url, d: Math.hypot(col + 0.5 - cx, row + 0.5 - cy) });
      }
    }
    return out.sort((a, b) => a.d - b.d).map((t) => new URL(t.url, location.href).href);
  }

  /** Moves the view so the grid's centre is in the middle. */
  centre(): void {
    this.stopAnimation();
    this.offsetX = (this.worldWidth - this.viewport.clientWidth) / 2;
    this.offsetY = (this.worldHeight - this.viewport.clientHeight) / 2;
    this.schedule();
  }

  /**
   * Pans the view.
   * @param dx pixels to move the view right (content moves left).
   * @param dy pixels to move the view down.
   * @param animate ease over ~200 ms instead of jumping.
   */
  panBy(dx: number, dy: number, animate = false): void {
    // A pan during an animated one continues from where that one was heading.
    const baseX = this.target?.x ?? this.offsetX;
    const baseY = this.target?.y ?? this.offsetY;
    this.stopAnimation();
    if (!animate || matchMedia('(prefers-reduced-motion: reduce)').matches) {
      this.offsetX = baseX + dx;
      this.offsetY = baseY + dy;
      this.schedule();
      return;
    }
    const fromX = this.offsetX;
    const fromY = this.offsetY;
    const to = this.clamped(baseX + dx, baseY + dy);
    this.target = to;
    const start = performance.now();
    const step = (now: number): void => {
      const t = Math.min(1, (now - start) / 200);
      const eased = 1 - (1 - t) ** 3;
      this.offsetX = fromX + (to.x - fromX) * eased;
      this.offsetY = fromY + (to.y - fromY) * eased;
      this.render();
      if (t < 1) this.animation = requestAnimationFrame(step);
      else this.target = undefined;
    };
    this.animation = requestAnimationFrame(step);
  }

  private stopAnimation(): void {
    cancelAnimationFrame(this.animation);
    this.target = undefined;
  }

  /** Adds markers that move with the map. */
  addMarkers(markers: readonly MapMarker[]): void {
    const size = this.grid.tileSize;
    for (const m of markers) {
      const pin = el('div', 'map-marker', 'map-marker');
      pin.textContent = m.label;
      pin.title = m.title;
      pin.style.left = `${Math.round(m.tx * size)}px`;
      pin.style.top = `${Math.round(m.ty * size)}px`;
      this.layer.append(pin);
    }
  }

  private schedule(): void {
    if (this.frame === 0) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.render();
      });
    }
  }

  /** The nearest view offset inside the world; a world smaller than the view is centred. */
  private clamped(x: number, y: number): { x: number; y: number } {
    const clampAxis = (v: number, world: number, view: number): number =>
      world <= view ? (world - view) / 2 : Math.min(Math.max(v, 0), world - view);
    return {
      x: clampAxis(x, this.worldWidth, this.viewport.clientWidth),
      y: clampAxis(y, this.worldHeight, this.viewport.clientHeight),
    };
  }

  private clamp(): void {
    const { x, y } = this.clamped(this.offsetX, this.offsetY);
    this.offsetX = x;
    this.offsetY = y;
  }

  private render(): void {
    this.clamp();
    const { grid } = this;
    const size = grid.tileSize;
    const w = this.viewport.clientWidth;
    const h = this.viewport.clientHeight;
    // Whole pixels only, so tile edges never land between device pixels (no seams).
    const ox = Math.round(this.offsetX);
    const oy = Math.round(this.offsetY);
    this.layer.style.transform = `translate3d(${-ox}px, ${-oy}px, 0)`;

    const firstCol = Math.max(0, Math.floor(ox / size) - MARGIN_TILES);
    const lastCol = Math.min(grid.maxX - grid.minX, Math.floor((ox + w - 1) / size) + MARGIN_TILES);
    const firstRow = Math.max(0, Math.floor(oy / size) - MARGIN_TILES);
    const lastRow = Math.min(grid.maxY - grid.minY, Math.floor((oy + h - 1) / size) + MARGIN_TILES);

    const wanted = new Set<string>();
    for (let row = firstRow; row <= lastRow; row++) {
      for (let col = firstCol; col <= lastCol; col++) {
        const key = `${grid.minX + col},${grid.minY + row}`;
        const url = grid.urls.get(key);
        if (url === undefined) continue;
        wanted.add(key);
        if (!this.tiles.has(key)) this.tiles.set(key, this.createTile(col, row, url));
      }
    }
    for (const [key, img] of this.tiles) {
      if (!wanted.has(key)) {
        img.remove();
        this.tiles.delete(key);
      }
    }
    if (this.position) {
      const cx = grid.minX + Math.floor((ox + w / 2) / size);
      const cy = grid.minY + Math.floor((oy + h / 2) / size);
      this.position.textContent = `z${grid.z} · tile ${cx}, ${cy} · ${this.tiles.size} tiles`;
    }
  }

  private createTile(col: number, row: number, url: string): HTMLImageElement {
    const size = this.grid.tileSize;
    const img = el('img', 'tile', 'tile');
    img.alt = '';
    img.width = size;
    img.height = size;
    img.decoding = 'async';
    img.draggable = false;
    img.dataset.z = String(this.grid.z);
    img.dataset.x = String(this.grid.minX + col);
    img.dataset.y = String(this.grid.minY + row);
    img.style.left = `${col * size}px`;
    img.style.top = `${row * size}px`;
    const settled = (): void => {
      img.classList.add(img.naturalWidth > 0 ? 'loaded' : 'failed');
      this.options.onImageSettled?.();
    };
    img.addEventListener('load', settled, { once: true });
    img.addEventListener('error', settled, { once: true });
    img.src = url;
    this.layer.append(img);
    return img;
  }

  private listen(): void {
    const vp = this.viewport;
    let drag: { id: number; x: number; y: number } | undefined;
    vp.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || (e.target as Element).closest('button')) return;
      this.stopAnimation();
      drag = { id: e.pointerId, x: e.clientX, y: e.clientY };
      vp.setPointerCapture(e.pointerId);
      vp.classList.add('dragging');
      vp.focus({ preventScroll: true });
      e.preventDefault();
    });
    vp.addEventListener('pointermove', (e) => {
      if (drag?.id !== e.pointerId) return;
      this.offsetX -= e.clientX - drag.x;
      this.offsetY -= e.clientY - drag.y;
      drag.x = e.clientX;
      drag.y = e.clientY;
      this.clamp();
      this.schedule();
    });
    const end = (e: PointerEvent): void => {
      if (drag?.id !== e.pointerId) return;
      drag = undefined;
      vp.classList.remove('dragging');
      if (vp.hasPointerCapture(e.pointerId)) vp.releasePointerCapture(e.pointerId);
    };
    vp.addEventListener('pointerup', end);
    vp.addEventListener('pointercancel', end);

    vp.addEventListener('keydown', (e) => {
      const step = e.shiftKey ? this.grid.tileSize * 2 : KEY_STEP_PX;
      const moves: Record<string, [number, number]> = {
        ArrowLeft: [-step, 0],
        ArrowRight: [step, 0],
        ArrowUp: [0, -step],
        ArrowDown: [0, step],
      };
      const move = moves[e.key];
      if (move) this.panBy(move[0], move[1], true);
      else if (e.key === 'Home' || e.key === 'c') this.centre();
      else return;
      e.preventDefault();
    });

    const size = this.grid.tileSize;
    const buttonMoves: Record<string, [number, number]> = {
      left: [-size, 0],
      right: [size, 0],
      up: [0, -size],
      down: [0, size],
    };
    for (const button of vp.querySelectorAll<HTMLButtonElement>('button[data-pan]')) {
      button.addEventListener('click', () => {
        const move = buttonMoves[button.dataset.pan ?? ''];
        if (move) this.panBy(move[0], move[1], true);
        else this.centre();
      });
    }

    new ResizeObserver(() => this.schedule()).observe(vp);
  }
}
