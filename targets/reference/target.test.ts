// The scrub of the reference cluster with log replicas (target.ts referenceDigests):
// a log replica that its log names as a member is listed with kind 'log' and compared
// with the storage replicas by check replicas-agree; one its log does not name (a
// learner not yet added, or removed and not yet retired) is left out.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { checkReplicasAgree } from '../../harness/checkers/replicas-agree.ts';
import { sendJson } from './http.ts';
import { ReferenceTarget } from './target.ts';

type Scrub = { group: string; kind: 'storage' | 'log'; member?: boolean; appliedSeq: number; checksum: string; keys: number }[];

async function scrubServer(groups: Scrub): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => sendJson(res, 200, { groups }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

test('a member log replica is compared with the storage replicas; a non-member one is left out', async (t) => {
  const target = new ReferenceTarget();
  const specs = target.groups();
  const storage = target
    .topology()
    .nodes.filter((n) => n.role === 'storage')
    .map((n) => n.id);
  const run = async (logReplica: { member: boolean; appliedSeq: number; checksum: string }) => {
    // every storage replica agrees (seq 10, checksum c); az1-store-2 also hosts a log replica of g0
    const byNode = storage.map((id) => {
      const groups: Scrub = specs.filter((g) => g.replicas.includes(id)).map((g) => ({ group: g.id, kind: 'storage', appliedSeq: 10, checksum: 'c', keys: 2 }));
      if (id === 'az1-store-2') groups.push({ group: 'g0', kind: 'log', keys: 2, ...logReplica });
      return groups;
    });
    const servers = await Promise.all(byNode.map((g) => scrubServer(g)));
    t.after(() => {
      for (const s of servers) s.server.close();
    });
    const urls = Object.fromEntries(storage.map((id, i) => [id, (servers[i] as { url: string }).url]));
    return target.digests((id) => urls[id] ?? '');
  };

  const agreeing = await run({ member: true, appliedSeq: 10, checksum: 'c' });
  assert.equal(agreeing.filter((d) => d.group === 'g0').length, 4);
  assert.deepEqual(
    agreeing.filter((d) => d.kind === 'log').map((d) => `${d.group} ${d.nodeId}`),
    ['g0 az1-store-2'],
  );
  assert.equal(checkReplicasAgree(agreeing).verdict, 'pass');

  const behind = await run({ member: true, appliedSeq: 9, checksum: 'b' });
  const r = checkReplicasAgree(behind);
  assert.equal(r.verdict, 'fail');
  assert.match(r.summary, /g0: .*az1-store-2: seq 9 checksum b/);

  const removed = await run({ member: false, appliedSeq: 9, checksum: 'b' });
  assert.equal(removed.filter((d) => d.group === 'g0').length, 3);
  assert.equal(checkReplicasAgree(removed).verdict, 'pass');
});
