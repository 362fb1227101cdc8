// Every bare import in the repository's code must be a declared dependency: in
// `dependencies` for code the package ships (what tsconfig.build.json compiles), in
// `dependencies` or `devDependencies` for tests, fixtures, benchmarks and CI scripts.
// A package that only resolves because another one happens to bring it is an error.
// `npm run check:imports` (and the test beside this file) runs it; exit 1 names each.
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceFiles } from './source-files.ts';

export interface Undeclared {
  readonly file: string;
  readonly specifier: string;
  readonly pkg: string;
  /** Where it must be declared. */
  readonly need: 'dependencies' | 'devDependencies';
}

const SOURCE_DIRS = ['harness', 'canaries', 'targets', 'dashboards', 'experiments', 'test', '.ci'];
const EXT = /\.(ts|mts|cts|mjs|js)$/;
// import ... from 'x' | export ... from 'x' | import 'x' | import('x') | import.meta.resolve('x') | require('x')
const IMPORT = /(?:[\w}*]\s*\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\bimport\.meta\.resolve\(\s*|\brequire\(\s*)(['"])([^'"\n]+)\1/g;
const TYPE_ONLY = /^\s*(?:import|export)\s+type\s/;
const BUILTIN = new Set(builtinModules);

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`; undefined for relative, absolute, `node:` and built-in specifiers. */
export function packageOf(specifier: string): string | undefined {
  if (/^(\.|\/|node:|file:|data:)/.test(specifier)) return undefined;
  const parts = specifier.split('/');
  const pkg = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
  return BUILTIN.has(pkg) ? undefined : pkg;
}

/** A glob of tsconfig's `exclude` (`**`, `*`) as a regular expression over a root-relative path. */
function globRegExp(glob: string): RegExp {
  const re = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('**/', '<any-dirs>')
    .replace(/\/\*\*$/, '<any-below>')
    .replaceAll('*', '[^/]*')
    .replaceAll('<any-dirs>', '(?:.*/)?')
    .replaceAll('<any-below>', '(?:/.*)?');
  return new RegExp(`^${re}(?:/.*)?$`);
}

/** The bare imports of `root`'s code that its package.json does not declare where they are needed. */
export function undeclaredImports(root: string): Undeclared[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | string | undefined>;
  const deps = (k: string): Set<string> => new Set(Object.keys((pkg[k] as Record<string, string> | undefined) ?? {}));
  const runtime = new Set([...deps('dependencies'), ...deps('peerDependencies'), ...deps('optionalDependencies')]);
  const dev = deps('devDependencies');
  const self = typeof pkg['name'] === 'string' ? pkg['name'] : '';
  const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[]; exclude?: string[] };
  const excluded = (build.exclude ?? []).map(globRegExp);
  const shipped = (rel: string): boolean => build.include.some((d) => rel === d || rel.startsWith(`${d}/`)) && !excluded.some((r) => r.test(rel));
  const out: Undeclared[] = [];
  for (const file of SOURCE_DIRS.flatMap((d) => sourceFiles(join(root, d), (n) => EXT.test(n) && !n.endsWith('.d.ts')))) {
    const rel = relative(root, file).split(sep).join('/');
    const ships = shipped(rel);
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (/^\s*(\/\/|\/\*|\*)/.test(line)) continue; // comments
      for (const m of line.matchAll(IMPORT)) {
        const specifier = m[2] as string;
        const name = packageOf(specifier);
        if (name === undefined || name === self) continue;
        if (name === 'k6' && rel.startsWith('experiments/k6/')) continue; // a k6 script: 'k6', 'k6/http' are k6's own modules, not npm packages
        const typeOnly = TYPE_ONLY.test(line);
        const ok = (set: Set<string>): boolean => set.has(name) || (typeOnly && set.has(`@types/${name.replace(/^@([^/]+)\//, '$1__')}`));
        if (ships ? ok(runtime) || (typeOnly && ok(dev)) : ok(runtime) || ok(dev)) continue;
        out.push({ file: rel, specifier, pkg: name, need: ships ? 'dependencies' : 'devDependencies' });
      }
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const bad = undeclaredImports(root);
  for (const u of bad)
    process.stderr.write(
      `${u.file}: imports '${u.specifier}', but ${u.pkg} is not in package.json's ${u.need}: npm install ${u.need === 'devDependencies' ? '-D ' : ''}${u.pkg}\n`,
    );
  process.stderr.write(bad.length === 0 ? 'every bare import is a declared dependency\n' : `${bad.length} undeclared import(s)\n`);
  process.exitCode = bad.length === 0 ? 0 : 1;
}
