/**
 * A banner carousel that loads lazily: a banner's image is requested only when that banner is
 * shown *and* the carousel is on screen, so the multi-MB banners are not all fetched on load.
 * @internal Demo only.
 */
import type { ImageRecord } from './catalog.ts';
import { el, formatBytes } from './format.ts';

export interface BannerCarouselOptions {
  /** Called after every image load or error. */
  onImageSettled?: () => void;
}

export class BannerCarousel {
  private index = 0;
  private visible = false;
  private readonly images = new Map<number, HTMLImageElement>();
  private readonly dots: HTMLButtonElement[] = [];

  /**
   * @param root the carousel section, containing `.banner-frame`, `.banner-caption`,
   *   `.banner-dots` and `button[data-step]` elements.
   */
  constructor(
    private readonly root: HTMLElement,
    private readonly banners: readonly ImageRecord[],
    private readonly options: BannerCarouselOptions = {},
  ) {
    if (banners.length === 0) {
      root.hidden = true;
      return;
    }
    // One fixed shape for every banner (the first one's, within reason): no layout jumps.
    const first = banners[0]!;
    const ratio = first.width > 0 && first.height > 0 ? first.width / first.height : 4;
    const frame = root.querySelector<HTMLElement>('.banner-frame');
    if (frame) frame.style.aspectRatio = String(Math.min(5, Math.max(2, ratio)).toFixed(3));
    const dotsBox = root.querySelector('.banner-dots');
    banners.forEach((_, i) => {
      const dot = el('button', 'banner-dot');
      dot.type = 'button';
      dot.setAttribute('aria-label', `Show banner ${i + 1}`);
      dot.addEventListener('click', () => this.show(i));
      dotsBox?.append(dot);
      this.dots.push(dot);
    });
    for (const button of root.querySelectorAll<HTMLButtonElement>('button[data-step]')) {
      button.addEventListener('click', () => this.show(this.index + Number(button.dataset.step)));
    }
    root.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowLeft') this.show(this.index - 1);
      else if (e.key === 'ArrowRight') this.show(this.index + 1);
    });
    new IntersectionObserver((entries) => {
      this.visible = entries.some((e) => e.isIntersecting);
      this.update();
    }).observe(root);
    this.update();
  }

  /** Shows banner `i` (wrapping around), loading its image if the carousel is on screen. */
  show(i: number): void {
    const n = this.banners.length;
    this.index = ((i % n) + n) % n;
    this.update();
  }

  private update(): void {
    const banner = this.banners[this.index]!;
    const frame = this.root.querySelector<HTMLElement>('.banner-frame')!;
    if (this.visible && !this.images.has(this.index)) {
      const img = el('img', 'banner-image', 'banner-image');
      img.alt = `Promotion ${this.index + 1}`;
      img.decoding = 'async';
      img.dataset.imageId = banner.id;
      const settled = (): void => {
        img.classList.add(img.naturalWidth > 0 ? 'loaded' : 'failed');
        this.options.onImageSettled?.();
      };
      img.addEventListener('load', settled, { once: true });
      img.addEventListener('error', settled, { once: true });
      img.src = banner.url;
      frame.append(img);
      this.images.set(this.index, img);
    }
    for (const [i, img] of this.images) img.hidden = i !== this.index;
    this.dots.forEach((dot, i) => dot.setAttribute('aria-current', String(i === this.index)));
    const caption = this.root.querySelector('.banner-caption');
    if (caption) {
      caption.textContent =
        `${this.index + 1} / ${this.banners.length} · ${banner.width}×${banner.height} ` +
        `${banner.format.toUpperCase()} · ${formatBytes(banner.bytes)}`;
    }
  }
}
