import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderSweepMarkdown } from './renderSweepMarkdown.ts';
import { renderSweepSvg } from './renderSweepSvg.ts';
import type { SweepResult } from './runSweep.ts';

/** The three files written by {@link writeSweep}. */
export interface SweepFiles {
  /** `DIR/<trace>.sweep.json`: the {@link SweepResult}. */
  json: string;
  /** `DIR/<trace>.sweep.md`: the Markdown table. */
  markdown: string;
  /** `DIR/<trace>.sweep.svg`: the two-panel plot. */
  svg: string;
}

/**
 * Writes a sweep's JSON, Markdown and SVG to `outDir` (created if missing), named after the
 * trace. The JSON holds no timings, so re-running on the same trace gives identical files.
 * @param sweep The sweep.
 * @param outDir Output directory.
 * @param tracePath How the trace is named inside the Markdown (e.g. the path given on the command line).
 * @returns The paths written.
 */
export async function writeSweep(sweep: SweepResult, outDir: string, tracePath?: string): Promise<SweepFiles> {
  await mkdir(outDir, { recursive: true });
  const base = path.join(outDir, `${sweep.trace}.sweep`);
  const files: SweepFiles = { json: `${base}.json`, markdown: `${base}.md`, svg: `${base}.svg` };
  await writeFile(files.json, `${JSON.stringify(sweep, null, 2)}\n`);
  await writeFile(files.markdown, renderSweepMarkdown(sweep, tracePath === undefined ? {} : { tracePath }));
  await writeFile(files.svg, renderSweepSvg(sweep));
  return files;
}
