// `gameday image`: bad input is exit 2 with the problem and the fix, and nothing is built.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const gameday = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', ...args], { encoding: 'utf8', timeout: 60_000 });

test('gameday image: a tag that is not an image reference, or a program that is not there, is exit 2 with the fix', () => {
  const tag = gameday('image', 'etcd', '--tag', 'Not A Tag');
  assert.equal(tag.status, 2, tag.stderr);
  assert.match(tag.stderr, /--tag: --tag "Not A Tag" is not an image reference\n {2}fix: use lower-case letters/);
  const none = gameday('image', 'no-such-program-here');
  assert.equal(none.status, 2, none.stderr);
  // without a Docker daemon that is what is named first; with one, the missing program
  assert.match(none.stderr, /no executable no-such-program-here on PATH|needs a Docker daemon, and none answers/);
  assert.match(none.stderr, /fix: /);
  const missing = gameday('image');
  assert.equal(missing.status, 2, missing.stderr);
});
