/**
 * The "Nearby drivers" list: one card per driver photo, with a made-up name, rating and car
 * derived from the image id, and a vehicle image. Shows a page of cards and a "Show more" button.
 * @internal Demo only.
 */
import type { ImageRecord } from './catalog.ts';
import { driverProfile, el } from './format.ts';

/** Cards added per page. */
const PAGE_SIZE = 8;

export interface DriverListOptions {
  /** Called after every image load or error. */
  onImageSettled?: () => void;
}

function image(
  src: string,
  className: string,
  testId: string,
  size: number,
  onSettled?: () => void,
): HTMLImageElement {
  const img = el('img', className, testId);
  img.alt = '';
  img.decoding = 'async';
  img.width = size;
  img.height = size;
  const settled = (): void => {
    img.classList.add(img.naturalWidth > 0 ? 'loaded' : 'failed');
    onSettled?.();
  };
  img.addEventListener('load', settled, { once: true });
  img.addEventListener('error', settled, { once: true });
  img.src = src;
  return img;
}

function card(driver: ImageRecord, vehicle: ImageRecord | undefined, onSettled?: () => void): HTMLLIElement {
  const p = driverProfile(driver.id);
  const li = el('li', 'driver', 'driver-card');
  li.dataset.imageId = driver.id;

  const photo = image(driver.url, 'driver-photo', 'driver-photo', 56, onSettled);
  photo.alt = `Photo of ${p.name}`;

  const info = el('div', 'driver-info');
  const name = el('div', 'driver-name', 'driver-name');
  name.textContent = p.name;
  const meta = el('div', 'driver-meta');
  const rating = el('span', 'rating', 'driver-rating');
  rating.textContent = `★ ${p.rating.toFixed(1)}`;
  rating.title = `${p.trips.toLocaleString('en-US')} trips`;
  const eta = el('span', 'eta');
  eta.textContent = `${p.etaMinutes} min away`;
  meta.append(rating, eta);
  const car = el('div', 'driver-car');
  const model = el('span', 'model');
  model.textContent = p.vehicle;
  car.title = `${p.colour} ${p.vehicle}, plate ${p.plate}`;
  const plate = el('span', 'plate', 'driver-plate');
  plate.textContent = p.plate;
  car.append(model, plate);
  info.append(name, meta, car);

  li.append(photo, info);
  if (vehicle !== undefined) {
    const carImg = image(vehicle.url, 'vehicle-photo', 'vehicle-photo', 64, onSettled);
    carImg.alt = `${p.colour} ${p.vehicle}`;
    li.append(carImg);
  }
  return li;
}

/**
 * Renders driver cards into `list`, a page at a time; driver *i* drives vehicle *i* (cycling).
 * @param more the "Show more" button; hidden once every driver is shown.
 */
export function renderDrivers(
  list: HTMLElement,
  more: HTMLButtonElement,
  drivers: readonly ImageRecord[],
  vehicles: readonly ImageRecord[],
  options: DriverListOptions = {},
): void {
  let shown = 0;
  const showPage = (): void => {
    const end = Math.min(drivers.length, shown + PAGE_SIZE);
    for (; shown < end; shown++) {
      const vehicle = vehicles.length > 0 ? vehicles[shown % vehicles.length] : undefined;
      list.append(card(drivers[shown]!, vehicle, options.onImageSettled));
    }
    more.hidden = shown >= drivers.length;
    more.textContent = `Show more drivers (${drivers.length - shown} more)`;
  };
  more.addEventListener('click', showPage);
  if (drivers.length === 0) {
    const empty = el('li', 'empty');
    empty.textContent = 'No driver photos in the dataset.';
    list.append(empty);
  }
  showPage();
}
