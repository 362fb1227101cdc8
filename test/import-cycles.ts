// Import cycles among the repository's modules (static imports and re-exports, type
// imports included: a cycle of types is still two files that cannot be read apart).
// `findCycles(root)` gives each strongly connected group of files, smallest first.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { sourceFiles } from './source-files.ts';

const DIRS = ['harness', 'canaries', 'targets', 'dashboards'];
const SPEC = /^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.[^'"]+)['"]|^\s*import\s*['"](\.[^'"]+)['"]/gm;

/** Every module's relative imports, by root-relative path. */
export function importGraph(root: string, dirs: readonly string[] = DIRS): Map<string, string[]> {
  const rel = (p: string): string => relative(root, p).split(sep).join('/');
  const graph = new Map<string, string[]>();
  for (const file of dirs.flatMap((d) => sourceFiles(join(root, d), (n) => n.endsWith('.ts') && !n.endsWith('.d.ts')))) {
    const text = readFileSync(file, 'utf8');
    const deps = new Set<string>();
    for (const m of text.matchAll(SPEC)) deps.add(rel(resolve(dirname(file), (m[1] ?? m[2]) as string)));
    graph.set(rel(file), [...deps]);
  }
  return graph;
}

/** Groups of two or more modules that import each other, directly or around a loop (Tarjan's algorithm). */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        on.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(group.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out.sort((a, b) => a.length - b.length || (a[0] as string).localeCompare(b[0] as string));
}
