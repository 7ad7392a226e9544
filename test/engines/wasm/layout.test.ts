// The TS <-> AssemblyScript record layouts are stated once on each side (assembly/layout.ts, src/engines/wasm/layout.ts);
// this checks that both sides name the same slots with the same numbers, so neither can drift alone.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { EigenSize, LmmOutput, MvSlot, PlanSlot } from '../../../src/engines/wasm/layout.js';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';

/** The members of `export const enum NAME { a = 0, ... }` in the AssemblyScript file, in order. */
function assemblyEnum(source: string, name: string): Record<string, number> {
  const body = new RegExp(`export const enum ${name} \\{([\\s\\S]*?)\\n\\}`).exec(source)?.[1];
  if (body === undefined) throw new Error(`assembly/layout.ts has no enum ${name}`);
  const withoutComments = body.replace(/\/\*\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const members: Record<string, number> = {};
  for (const m of withoutComments.matchAll(/(\w+)\s*=\s*(\d+)\s*,/g)) members[m[1]!] = Number(m[2]);
  return members;
}

describe('TS and AssemblyScript layouts', () => {
  const source = readFileSync(join(REPO_ROOT, 'assembly', 'layout.ts'), 'utf8');
  test.each([
    ['PlanSlot', PlanSlot],
    ['LmmOutput', LmmOutput],
    ['EigenSize', EigenSize],
    ['MvSlot', MvSlot],
  ] as const)('%s: same members, same numbers, slots 0..count-1 each used once', (name, tsLayout) => {
    const asLayout = assemblyEnum(source, name);
    expect(asLayout).toEqual({ ...tsLayout });
    const slots = Object.entries(tsLayout)
      .filter(([k]) => k !== 'count')
      .map(([, v]) => v)
      .sort((a, b) => a - b);
    expect(slots).toEqual(Array.from({ length: tsLayout.count }, (_, k) => k));
  });
});
