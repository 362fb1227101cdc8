import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Topology } from '../../../targets/target.ts';
import type { NetPlan } from '../../schedule/net-plan.ts';
import { crossingPairs } from './net-actions.ts';

const topo: Topology = {
  region: 'r',
  azs: ['a', 'b', 'c'],
  nodes: [
    { id: 'a1', az: 'a', role: 'storage', public: true },
    { id: 'b1', az: 'b', role: 'storage', public: true },
    { id: 'c1', az: 'c', role: 'storage', public: true },
    { id: 'c2', az: 'c', role: 'storage', public: false },
  ],
};
const cut = { toxic: 'timeout', attributes: { timeout: 0 }, direction: 'both', stream: 'both' } as const;
const show = (pairs: { from: string; to: string }[]): string[] => pairs.map((p) => `${p.from}>${p.to}`).sort();

test('an AZ cut off takes its gateway with it; gateways are never cut from each other', () => {
  const net: NetPlan = { sides: [['a1'], ['b1', 'c1', 'c2']], azSides: [['a'], ['b', 'c']], ...cut };
  assert.deepEqual(show(crossingPairs(topo, net)), ['a1>b1', 'a1>c1', 'a1>c2', 'a1>gw:b', 'a1>gw:c', 'gw:a>b1', 'gw:a>c1', 'gw:a>c2']);
});

test('node-level shapes: a gateway goes with most of its AZ, a tie leaves it out, a bridge node is not cut', () => {
  const isolated: NetPlan = { sides: [['c1'], ['a1', 'b1', 'c2']], ...cut };
  // AZ c is split 1:1, so gw:c stays on neither side
  assert.deepEqual(show(crossingPairs(topo, isolated)), ['c1>a1', 'c1>b1', 'c1>c2', 'c1>gw:a', 'c1>gw:b']);
  const bridge: NetPlan = {
    sides: [
      ['a1', 'b1'],
      ['b1', 'c1', 'c2'],
    ],
    ...cut,
  };
  assert.deepEqual(show(crossingPairs(topo, bridge)), ['a1>c1', 'a1>c2', 'a1>gw:c', 'gw:a>c1', 'gw:a>c2']);
});
