import type { ReplayResult } from './TraceReplayer.ts';
import type { SweepResult } from './runSweep.ts';

/** Line colours per policy (Okabe–Ito, colour-blind safe); belady is black and dashed. */
const COLOURS: Record<string, string> = {
  lru: '#0072B2',
  fifo: '#E69F00',
  lfu: '#009E73',
  sieve: '#CC79A7',
  s3fifo: '#D55E00',
  gdsf: '#56B4E9',
  belady: '#000000',
};
const FALLBACK_COLOURS = ['#999999', '#F0E442', '#882255', '#44AA99'];

const WIDTH = 980;
const HEIGHT = 470;
const PANEL_WIDTH = 440;
const PLOT = { left: 64, right: 16, top: 56, bottom: 58 };
const PLOT_HEIGHT = 330;

/** Escapes text for SVG. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Rounds for SVG coordinates. */
function r(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

/**
 * Renders a sweep as a dependency-free SVG (written as `<trace>.sweep.svg`): two panels, miss
 * ratio and byte miss ratio against cache size (% of unique bytes, log scale, ticks at the sweep's
 * sizes), one line with markers per policy, a shared legend, labelled axes.
 * @param sweep The sweep.
 */
export function renderSweepSvg(sweep: SweepResult): string {
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ` +
      `font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  out.push(
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">` +
      `${esc(sweep.trace)}: ${sweep.requests.toLocaleString('en-US')} requests, ` +
      `${sweep.uniqueKeys.toLocaleString('en-US')} keys, ${sweep.uniqueBytes.toLocaleString('en-US')} unique bytes</text>`,
  );
  out.push(panel(sweep, 'missRatio', 'miss ratio', 40));
  out.push(panel(sweep, 'byteMissRatio', 'byte miss ratio', 40 + PANEL_WIDTH + 40));
  out.push(legend(sweep, HEIGHT - 22));
  out.push('</svg>', '');
  return out.join('\n');
}

function colourOf(policy: string, index: number): string {
  return COLOURS[policy] ?? FALLBACK_COLOURS[index % FALLBACK_COLOURS.length]!;
}

function panel(sweep: SweepResult, metric: 'missRatio' | 'byteMissRatio', label: string, x0: number): string {
  const out: string[] = [`<g transform="translate(${x0},0)">`];
  const plotWidth = PANEL_WIDTH - PLOT.left - PLOT.right;
  const percents = sweep.points.map((p) => p.percent);
  const values = sweep.points.flatMap((p) => p.results.map((res: ReplayResult) => res[metric]));
  const logMin = Math.log10(Math.min(...percents));
  const logMax = Math.log10(Math.max(...percents));
  const logPad = (logMax - logMin || 1) * 0.06;
  const xOf = (percent: number): number =>
    PLOT.left + ((Math.log10(percent) - logMin + logPad) / (logMax - logMin + 2 * logPad)) * plotWidth;
  let yMin = Math.max(0, Math.floor(Math.min(...values) * 10) / 10);
  let yMax = Math.min(1, Math.ceil(Math.max(...values) * 10) / 10);
  if (yMax <= yMin) {
    yMin = Math.max(0, yMin - 0.1);
    yMax = Math.min(1, yMax + 0.1);
  }
  const yOf = (value: number): number => PLOT.top + (1 - (value - yMin) / (yMax - yMin)) * PLOT_HEIGHT;
  const bottom = PLOT.top + PLOT_HEIGHT;
  out.push(`<text x="${r(PLOT.left + plotWidth / 2)}" y="${PLOT.top - 14}" text-anchor="middle" font-size="13" font-weight="600">${label}</text>`);
  // Grid and y ticks.
  const step = yMax - yMin > 0.5 ? 0.1 : 0.05;
  for (let v = yMin; v <= yMax + 1e-9; v += step) {
    const y = yOf(v);
    out.push(`<line x1="${PLOT.left}" x2="${r(PLOT.left + plotWidth)}" y1="${r(y)}" y2="${r(y)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${PLOT.left - 6}" y="${r(y + 4)}" text-anchor="end" fill="#333">${v.toFixed(2)}</text>`);
  }
  // X ticks at the sweep's sizes.
  for (const percent of percents) {
    const x = xOf(percent);
    out.push(`<line x1="${r(x)}" x2="${r(x)}" y1="${PLOT.top}" y2="${bottom}" stroke="#f0f0f0"/>`);
    out.push(`<line x1="${r(x)}" x2="${r(x)}" y1="${bottom}" y2="${bottom + 5}" stroke="#333"/>`);
    out.push(`<text x="${r(x)}" y="${bottom + 18}" text-anchor="middle" fill="#333">${percent}%</text>`);
  }
  // Axes.
  out.push(`<line x1="${PLOT.left}" x2="${PLOT.left}" y1="${PLOT.top}" y2="${bottom}" stroke="#333"/>`);
  out.push(`<line x1="${PLOT.left}" x2="${r(PLOT.left + plotWidth)}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`);
  out.push(
    `<text x="${r(PLOT.left + plotWidth / 2)}" y="${bottom + 38}" text-anchor="middle">cache size (% of unique bytes, log scale)</text>`,
  );
  out.push(
    `<text transform="translate(${PLOT.left - 46},${r(PLOT.top + PLOT_HEIGHT / 2)}) rotate(-90)" text-anchor="middle">${label}</text>`,
  );
  // One line per policy.
  sweep.policies.forEach((policy, index) => {
    const colour = colourOf(policy, index);
    const points = sweep.points.map((p) => [xOf(p.percent), yOf(p.results[index]![metric])] as const);
    const dash = policy === 'belady' ? ' stroke-dasharray="6 4"' : '';
    out.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2"${dash} points="${points.map(([x, y]) => `${r(x)},${r(y)}`).join(' ')}">` +
        `<title>${esc(policy)}</title></polyline>`,
    );
    for (const [i, [x, y]] of points.entries()) {
      const value = sweep.points[i]!.results[index]![metric];
      out.push(
        `<circle cx="${r(x)}" cy="${r(y)}" r="3.5" fill="${colour}"><title>${esc(policy)} at ${sweep.points[i]!.percent}%: ${value.toFixed(4)}</title></circle>`,
      );
    }
  });
  out.push('</g>');
  return out.join('\n');
}

function legend(sweep: SweepResult, y: number): string {
  const itemWidth = 110;
  const total = sweep.policies.length * itemWidth;
  const x0 = (WIDTH - total) / 2;
  const out: string[] = ['<g>'];
  sweep.policies.forEach((policy, index) => {
    const x = x0 + index * itemWidth;
    const colour = colourOf(policy, index);
    const dash = policy === 'belady' ? ' stroke-dasharray="6 4"' : '';
    out.push(`<line x1="${r(x)}" x2="${r(x + 26)}" y1="${y}" y2="${y}" stroke="${colour}" stroke-width="2.5"${dash}/>`);
    out.push(`<circle cx="${r(x + 13)}" cy="${y}" r="3.5" fill="${colour}"/>`);
    out.push(`<text x="${r(x + 32)}" y="${y + 4}">${esc(policy === 'belady' ? 'belady (offline)' : policy)}</text>`);
  });
  out.push('</g>');
  return out.join('\n');
}
