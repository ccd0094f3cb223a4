import type { SweepResult } from './runSweep.ts';

/** Options of {@link renderSweepMarkdown}. */
export interface SweepMarkdownOptions {
  /** How the trace is named in the text (e.g. `../shared/traces/cloudphysics_og.csv`). Default: the trace name. */
  tracePath?: string;
  /** Markdown heading level of the title (1 to 6). Default 2. */
  headingLevel?: number;
}

/** Formats an integer with thousands separators. */
function count(value: number): string {
  return value.toLocaleString('en-US');
}

/**
 * Renders a sweep as Markdown (written as `<trace>.sweep.md`): a title, one line describing the
 * trace, and one table with a row per cache size: budget %, budget bytes, then the miss ratio and
 * the byte miss ratio of each policy (4 decimals). In each row and metric the best online policy
 * (belady excluded) is in bold.
 * @param sweep The sweep.
 * @param options See {@link SweepMarkdownOptions}.
 */
export function renderSweepMarkdown(sweep: SweepResult, options: SweepMarkdownOptions = {}): string {
  const hashes = '#'.repeat(Math.min(Math.max(options.headingLevel ?? 2, 1), 6));
  const tracePath = options.tracePath ?? sweep.trace;
  const lines: string[] = [];
  lines.push(`${hashes} Sweep: ${sweep.trace}`, '');
  lines.push(
    `\`${tracePath}\`: ${count(sweep.requests)} requests, ${count(sweep.uniqueKeys)} unique keys, ` +
      `${count(sweep.uniqueBytes)} unique bytes (first-seen size per key), ` +
      `${count(sweep.bytesRequested)} bytes requested, ${count(sweep.skipped)} rows skipped (size 0). ` +
      `Each cell: miss ratio, byte miss ratio (lower is better); bold: best online policy ` +
      `(belady is the offline reference).`,
    '',
  );
  const header = ['budget %', 'budget bytes'];
  for (const policy of sweep.policies) header.push(`${policy} miss`, `${policy} byte miss`);
  lines.push(`| ${header.join(' | ')} |`);
  lines.push(`|${header.map(() => ' ---: ').join('|')}|`);
  for (const point of sweep.points) {
    const online = point.results.filter((r) => r.policy !== 'belady');
    const bestMiss = Math.min(...online.map((r) => r.missRatio));
    const bestByteMiss = Math.min(...online.map((r) => r.byteMissRatio));
    const cells = [`${point.percent}`, count(point.maxBytes)];
    for (const result of point.results) {
      const isOnline = result.policy !== 'belady';
      const miss = result.missRatio.toFixed(4);
      const byteMiss = result.byteMissRatio.toFixed(4);
      cells.push(isOnline && result.missRatio === bestMiss ? `**${miss}**` : miss);
      cells.push(isOnline && result.byteMissRatio === bestByteMiss ? `**${byteMiss}**` : byteMiss);
    }
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push('');
  return lines.join('\n');
}
