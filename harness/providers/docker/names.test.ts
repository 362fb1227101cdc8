import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chainName, containerName, gatewayContainerName, gatewayId, networkName } from './names.ts';
import { hostAddress } from './network.ts';

test('names: containers, networks and chains of a run', () => {
  assert.equal(containerName('r1', 'az1-store-1'), 'gameday-r1-az1-store-1');
  assert.equal(gatewayContainerName('r1', 'az1'), 'gameday-r1-gw-az1');
  assert.equal(networkName('20261121 run/1'), 'gameday-20261121-run-1');
  assert.equal(gatewayId('az1'), 'gw:az1');
  const chain = chainName('a run id that is rather long, longer than iptables allows');
  assert.match(chain, /^GAMEDAY-[0-9A-F]{10}$/);
  assert.ok(chain.length <= 28);
  assert.equal(chainName('x'), chainName('x'));
  assert.notEqual(chainName('x'), chainName('y'));
});

test('hostAddress: the nth address of a subnet, inside it', () => {
  assert.equal(hostAddress('172.18.0.0/16', 1), '172.18.0.1');
  assert.equal(hostAddress('172.18.0.0/16', 300), '172.18.1.44');
  assert.equal(hostAddress('10.5.7.0/24', 10), '10.5.7.10');
  assert.throws(() => hostAddress('10.5.7.0/24', 255), RangeError);
  assert.throws(() => hostAddress('10.5.7.0/24', 0), RangeError);
});
