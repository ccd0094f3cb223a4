/**
 * Formatting and deterministic made-up data for the demo (names, ratings, vehicles).
 * @internal Demo only.
 */

/** FNV-1a 32-bit hash of a string: the same id always yields the same made-up details. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Picks from a list with a hash, salted so different fields of one id are independent. */
function pick<T>(list: readonly T[], id: string, salt: string): T {
  return list[hash32(`${salt}:${id}`) % list.length]!;
}

const FIRST = [
  'Amara', 'Bruno', 'Chen', 'Dalia', 'Emeka', 'Farah', 'Goran', 'Hana', 'Ines', 'Jonas', 'Kofi', 'Lena',
  'Mateo', 'Nadia', 'Omar', 'Priya', 'Quentin', 'Rosa', 'Sami', 'Tomás', 'Uma', 'Viktor', 'Wen', 'Yara',
  'Zeynep', 'Aiko', 'Bilal', 'Clara', 'Dev', 'Elif',
] as const;
const LAST = [
  'Okafor', 'Silva', 'Nakamura', 'Haddad', 'Novak', 'Fischer', 'Moreau', 'Kowalski', 'Rossi', 'Larsen',
  'Mensah', 'Petrov', 'García', 'Ivanova', 'Dubois', 'Kim', 'Singh', 'Yilmaz', 'Costa', 'Berg',
] as const;
const MAKES = [
  'Toyota Prius', 'Hyundai Ioniq', 'Kia Niro', 'Tesla Model 3', 'Škoda Octavia', 'VW ID.4', 'Nissan Leaf',
  'Renault Zoe', 'Ford Mondeo', 'Honda Insight',
] as const;
const COLOURS = ['white', 'black', 'silver', 'grey', 'blue', 'red', 'green'] as const;
const LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';

/** Made-up but stable details of a driver, derived from their image id. */
export interface DriverProfile {
  name: string;
  /** 4.0 to 5.0, one decimal. */
  rating: number;
  trips: number;
  etaMinutes: number;
  /** Make and model, e.g. `"Kia Niro"`. */
  vehicle: string;
  colour: string;
  plate: string;
}

/** @param id the driver photo's `image_id`. */
export function driverProfile(id: string): DriverProfile {
  const h = hash32(id);
  const plateHash = hash32(`plate:${id}`);
  const plate =
    LETTERS[plateHash % 23]! +
    LETTERS[(plateHash >>> 5) % 23]! +
    ' ' +
    String(100 + ((plateHash >>> 10) % 900)) +
    ' ' +
    LETTERS[(plateHash >>> 20) % 23]!;
  return {
    name: `${pick(FIRST, id, 'first')} ${pick(LAST, id, 'last')}`,
    rating: 4 + (h % 11) / 10,
    trips: 40 + (hash32(`trips:${id}`) % 4000),
    etaMinutes: 1 + (hash32(`eta:${id}`) % 12),
    vehicle: pick(MAKES, id, 'make'),
    colour: pick(COLOURS, id, 'colour'),
    plate,
  };
}

const KIB = 1024;
const MIB = 1024 * 1024;

/** Bytes for humans, binary units: `"512 B"`, `"48.2 KB"`, `"12.3 MB"`, `"1.25 GB"`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  if (bytes < KIB) return `${Math.round(bytes)} B`;
  if (bytes < MIB) return `${(bytes / KIB).toFixed(1)} KB`;
  if (bytes < 1024 * MIB) return `${(bytes / MIB).toFixed(1)} MB`;
  return `${(bytes / (1024 * MIB)).toFixed(2)} GB`;
}

/** A ratio in [0, 1] as a percentage with one decimal: `"87.5%"`. */
export function formatPercent(ratio: number): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)}%` : '–';
}

/** An integer with thousands separators. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}

/** Creates an element with a class and optional test id (a tiny `h()` for the demo). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  testId?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (testId) node.dataset.testid = testId;
  return node;
}
