// test: alone (builds images in the local Docker daemon)
// Images are made through dockerode, the harness's one Docker client: a host executable
// and its libraries imported as a root filesystem, a node program built on the runtime
// image, and `gameday image --tag`. Each from fresh content, so that the build runs
// (an image already there is reused), and each image run to show it works.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gameday } from '../../../test/cli.ts';
import { dockerSkipReason } from './fixtures/probe.ts';
import { commandImage, programImage } from './image.ts';
import { dockerCli, run } from './runtime.ts';

const skip = (await dockerSkipReason()) ?? false;
const made: string[] = [];
after(async () => {
  if (made.length) await run(dockerCli(), ['rmi', '-f', ...made], { timeoutMs: 60_000 });
});
const token = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

test('a host executable becomes an image of it and the libraries it links (docker import through dockerode), and runs', {
  skip,
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-imgtest-'));
  // a fresh copy of echo (new path, so a new image): it prints its arguments inside the container
  const exe = join(dir, `echo-${token}`);
  copyFileSync('/bin/echo', exe);
  const img = await commandImage(exe);
  made.push(img.tag);
  assert.equal(img.built, true);
  assert.match(img.tag, /^gameday-cmd-echo-[a-z0-9]+:[0-9a-f]+$/);
  const r = await run(dockerCli(), ['run', '--rm', img.tag, 'hello', token], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), `hello ${token}`);
  // the second time it is there already
  assert.equal((await commandImage(exe)).built, false);
});

test('a node program becomes an image on the runtime image (docker build through dockerode), and runs', { skip, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-imgtest-'));
  const entry = join(dir, 'main.mjs');
  writeFileSync(entry, `console.log('program ${token}', process.argv.slice(2).join(' '));\n`);
  const img = await programImage(`imgtest-${token}`, entry);
  made.push(img.tag);
  assert.equal(img.built, true);
  const r = await run(dockerCli(), ['run', '--rm', img.tag, 'a', 'b'], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), `program ${token} a b`);
});

test('gameday image --tag gives the image the name asked for', { skip, timeout: 120_000 }, async () => {
  const tag = `gameday-imgtest/${token}:v1`;
  made.push(tag);
  const r = await gameday(['image', 'true', '--tag', tag]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${tag.replace(/[/.]/g, '\\$&')} `));
  const inspect = await run(dockerCli(), ['image', 'inspect', '--format', '{{json .RepoTags}}', tag]);
  assert.equal(inspect.code, 0, inspect.stderr);
  assert.ok((JSON.parse(inspect.stdout) as string[]).includes(tag));
  const t = await run(dockerCli(), ['run', '--rm', tag], { timeoutMs: 60_000 });
  assert.equal(t.code, 0, t.stderr);
});
