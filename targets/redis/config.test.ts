// The Redis target's configuration files: each node announces its own address, the
// replicas follow the initial primary, every Sentinel knows the replicas and the other
// Sentinels from the start (by their fixed ids), with the quick timing of a game day.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataNodeConf, DEFAULT_TIMING, MASTER_NAME, sentinelConf, sentinelId } from './config.ts';

const a = (host: string, port: number) => ({ host, port });

test('a data node binds and announces its own address; a replica follows the primary; nothing holds writes back', () => {
  const primary = dataNodeConf({ listen: a('127.0.1.1', 7001), dataDir: '/d' }).split('\n');
  assert.ok(primary.includes('bind 127.0.1.1') && primary.includes('port 7001') && primary.includes('replica-announce-ip 127.0.1.1'));
  assert.ok(primary.includes('min-replicas-to-write 0') && primary.includes('appendonly yes'));
  assert.ok(!primary.some((l) => l.startsWith('replicaof')));
  assert.ok(
    dataNodeConf({ listen: a('127.0.2.1', 7002), dataDir: '/d', replicaOf: a('127.0.1.1', 7001) })
      .split('\n')
      .includes('replicaof 127.0.1.1 7001'),
  );
});

test('a Sentinel monitors the primary with a majority quorum, knows the replicas and the other Sentinels by fixed ids', () => {
  const sentinels = [1, 2, 3].map((i) => ({ nodeId: `sentinel-az${i}`, address: a(`127.0.${i}.2`, 8000 + i) }));
  const lines = sentinelConf({
    nodeId: 'sentinel-az2',
    listen: a('127.0.2.2', 8002),
    dataDir: '/d',
    primary: a('127.0.1.1', 7001),
    replicas: [a('127.0.2.1', 7002), a('127.0.3.1', 7003)],
    sentinels,
    quorum: 2,
    timing: DEFAULT_TIMING,
  }).split('\n');
  const monitor = lines.indexOf(`sentinel monitor ${MASTER_NAME} 127.0.1.1 7001 2`);
  assert.ok(monitor >= 0, 'monitors the primary');
  // settings of a monitored master must come after its monitor line
  assert.ok(lines.findIndex((l) => l.startsWith('sentinel down-after-milliseconds')) > monitor);
  assert.ok(lines.includes(`sentinel down-after-milliseconds ${MASTER_NAME} 1000`) && lines.includes(`sentinel myid ${sentinelId('sentinel-az2')}`));
  assert.ok(lines.includes('sentinel announce-ip 127.0.2.2') && lines.includes('sentinel announce-port 8002'));
  assert.deepEqual(
    lines.filter((l) => l.startsWith('sentinel known-replica')),
    [`sentinel known-replica ${MASTER_NAME} 127.0.2.1 7002`, `sentinel known-replica ${MASTER_NAME} 127.0.3.1 7003`],
  );
  assert.deepEqual(
    lines.filter((l) => l.startsWith('sentinel known-sentinel')),
    [
      `sentinel known-sentinel ${MASTER_NAME} 127.0.1.2 8001 ${sentinelId('sentinel-az1')}`,
      `sentinel known-sentinel ${MASTER_NAME} 127.0.3.2 8003 ${sentinelId('sentinel-az3')}`,
    ],
  );
  assert.match(sentinelId('sentinel-az1'), /^[0-9a-f]{40}$/);
  assert.notEqual(sentinelId('sentinel-az1'), sentinelId('sentinel-az2'));
});
