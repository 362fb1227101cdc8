// Which host executable a command-launched node's image is made of, and which port
// inside its container each named port gets (no Docker needed).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { portNumber } from './docker-provider.ts';
import { resolveCommand } from './image.ts';
import { NODE_PORT } from './names.ts';

test('a command is found on PATH, or as a path (relative to the folder given), and only when it is an executable file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-resolve-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'member'), '#!/bin/false\n');
  chmodSync(join(bin, 'member'), 0o755);
  writeFileSync(join(bin, 'data'), 'not a program\n');
  mkdirSync(join(bin, 'folder'));
  chmodSync(join(bin, 'folder'), 0o755);
  assert.equal(resolveCommand('member', dir, `/nonexistent:${bin}`), join(bin, 'member'));
  assert.equal(resolveCommand('./bin/member', dir, ''), join(bin, 'member'));
  assert.equal(resolveCommand(join(bin, 'member'), '/', ''), join(bin, 'member'));
  assert.equal(resolveCommand('member', dir, '/nonexistent'), undefined, 'not on PATH');
  assert.equal(resolveCommand('data', dir, bin), undefined, 'not executable');
  assert.equal(resolveCommand('folder', dir, bin), undefined, 'a folder');
});

test('named ports follow the main one inside a container, in the order the topology gives; an unknown one is refused', () => {
  const topo = { region: 'r', azs: ['az1'], nodes: [{ id: 'm1', az: 'az1', role: 'member', public: true, ports: ['peer', 'metrics'] }] };
  assert.equal(portNumber(topo, 'm1'), NODE_PORT);
  assert.equal(portNumber(topo, 'm1', 'peer'), NODE_PORT + 1);
  assert.equal(portNumber(topo, 'm1', 'metrics'), NODE_PORT + 2);
  assert.throws(() => portNumber(topo, 'm1', 'admin'), /node m1 has no port named admin/);
  assert.throws(() => portNumber(topo, 'm2', 'peer'), /node m2 has no port named peer/);
});
