import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KNOWN_KEYS } from '../../../sw/config.ts';

/**
 * The config schema is the source of the options; the README's configuration table follows it.
 * Every key the validator accepts has its row (`| \`key\` |`), so no option ships undocumented.
 */
describe('README configuration table', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const rows = new Set([...readme.matchAll(/^\| `([A-Za-z$][\w.[\]$]*)` \|/gm)].map((m) => m[1]));

  it('hasARowForEveryKeyTheConfigAccepts', () => {
    const missing = [...KNOWN_KEYS].filter((key) => key !== '$schema' && !rows.has(key) && ![...rows].some((r) => r.startsWith(`${key}.`)));
    expect(missing).toEqual([]);
  });
});
