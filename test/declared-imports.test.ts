import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './cli.ts';
import { packageOf, undeclaredImports } from './declared-imports.ts';

// fixtures spell their quotes through `q`, so that this file's own text holds no such import
const q = "'";

function project(pkg: object, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'gameday-imports-'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'me', ...pkg }));
  writeFileSync(join(root, 'tsconfig.build.json'), JSON.stringify({ include: ['harness'], exclude: ['**/*.test.ts', '**/fixtures/**'] }));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

test('every bare import of this repository is declared where it is needed', () => {
  assert.deepEqual(undeclaredImports(repoRoot), []);
});

test('package names: scoped, subpaths, built-ins and relative paths', () => {
  assert.equal(packageOf('yargs/helpers'), 'yargs');
  assert.equal(packageOf('@biomejs/biome/x'), '@biomejs/biome');
  assert.equal(packageOf('node:fs'), undefined);
  assert.equal(packageOf('fs'), undefined);
  assert.equal(packageOf('./x.ts'), undefined);
});

test('an import that resolves only through another package is named with the file and the fix', () => {
  const root = project(
    { dependencies: { testcontainers: '1' }, devDependencies: { tsx: '1', '@types/dockerode': '1' } },
    {
      'harness/a.ts': `import Docker from ${q}dockerode${q};\nimport { GenericContainer } from ${q}testcontainers${q};\n// import x from ${q}commented-out${q};\n`,
      'harness/b.ts': `const m = await import(${q}esbuild${q});\nexport const options = ['from', 'stream'];\n`,
      'harness/c.ts': `import type Docker from ${q}dockerode${q};\nimport { register } from ${q}tsx/esm/api${q};\n`,
      'harness/c.test.ts': `import { register } from ${q}tsx/esm/api${q};\nimport x from ${q}left-pad${q};\n`,
      'harness/fixtures/f.ts': `import ${q}tsx${q};\n`,
      'test/t.ts': `import { spawn } from ${q}node:child_process${q};\nimport { x } from ${q}me/checkers${q};\n`,
    },
  );
  try {
    const found = undeclaredImports(root)
      .map((u) => `${u.file} ${u.pkg} ${u.need}`)
      .sort();
    assert.deepEqual(found, [
      'harness/a.ts dockerode dependencies',
      'harness/b.ts esbuild dependencies',
      'harness/c.test.ts left-pad devDependencies',
      'harness/c.ts tsx dependencies',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
