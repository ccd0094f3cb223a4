import { readFileSync } from 'node:fs';
import { summarizeTrace, formatTraceSummary } from '../profile.ts';
for (const v of ['bare', 'ours-profile']) {
  const ev = JSON.parse(readFileSync(`.cache/bench-trace-${v}.json`, 'utf8')).traceEvents;
  console.log(formatTraceSummary(summarizeTrace(ev, v, 100, 'x', { p50Ms: 0, wallMs: 0 })));
}
