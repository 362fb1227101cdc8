// How the Redis client tells a call's outcome: fail only when the command certainly
// did not run (Redis refused it before executing, or it was never sent), info when it
// went out and no answer came.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplyError } from 'ioredis';
import { errorOutcome, NOT_SENT, TIMEOUT } from './outcome.ts';

const reply = (message: string): Error => new ReplyError(message) as Error;

test("a refusal by the server is fail: a demoted primary's READONLY, LOADING, MASTERDOWN, NOREPLICAS, BUSY, OOM", () => {
  for (const m of [
    "READONLY You can't write against a read only replica.",
    'LOADING Redis is loading the dataset in memory',
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
    'NOREPLICAS Not enough good replicas to write.',
    'BUSY Redis is busy running a script.',
    "OOM command not allowed when used memory > 'maxmemory'.",
  ]) {
    assert.deepEqual(errorOutcome(reply(m)), { type: 'fail', error: m }, m);
  }
});

test('a command never sent is fail: no ready connection (ioredis with its offline queue off says so, and so do we)', () => {
  assert.deepEqual(errorOutcome(new Error("Stream isn't writeable and enableOfflineQueue options is false")), { type: 'fail', error: NOT_SENT });
  assert.deepEqual(errorOutcome(new Error(NOT_SENT)), { type: 'fail', error: NOT_SENT });
});

test('a command sent and not answered is info: a timeout, its connection closed under it, any other error', () => {
  assert.deepEqual(errorOutcome(new Error(TIMEOUT)), { type: 'info', error: TIMEOUT });
  const flushed = new Error('Reached the max retries per request limit (which is 0). Refer to "maxRetriesPerRequest" option for details.');
  flushed.name = 'MaxRetriesPerRequestError';
  assert.equal(errorOutcome(flushed).type, 'info');
  assert.equal(errorOutcome(new Error('Connection is closed.')).type, 'info');
  assert.equal(errorOutcome(new Error('read ECONNRESET')).type, 'info');
  // an error reply that does not say the command was refused may come from a script that already wrote
  assert.equal(errorOutcome(reply('ERR Error running script (call to f_1234): @user_script:3: something')).type, 'info');
  // a refusal's words in an error that is not the server's own reply prove nothing
  assert.equal(errorOutcome(new Error('READONLY but not from Redis')).type, 'info');
});
