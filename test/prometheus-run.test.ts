// test: alone (runs game days or containers; see test/run-tests.mjs)
// A real Prometheus (Debian's `prometheus`) scrapes a short game day run with
// --metrics, evaluating the rules `gameday alarms export` wrote for the same
// experiment: it raises the same alerts gameday raised, each within one evaluation
// interval plus the scrape interval (plus the rules' `for`, 0 here) of gameday's own
// alarm; and every metric name the Grafana dashboard queries is among those it stored.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gameday } from './cli.ts';

const have = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
const skip = have.error ? 'prometheus is not installed (Debian: apt-get install -y prometheus; .ci/run installs it)' : false;

const SCRAPE_S = 1;
const EVAL_S = 1;
/** Timer and HTTP jitter on a busy 2-core machine, on top of scrape + evaluation. */
const SLACK_MS = 500;
/** The experiment's alarm window (test/fixtures/short-power-off.yaml: 3s). */
const WINDOW_MS = 3000;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface Sample {
  metric: Record<string, string>;
  values: [number, string][];
  value?: [number, string];
}

test('a real Prometheus scraping a game day raises the alerts gameday raised, in time', { skip, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-prom-'));
  const [metricsPort, promPort] = [await freePort(), await freePort()];
  const rules = join(dir, 'rules.yml');
  const exp = 'test/fixtures/short-power-off.yaml';
  const ex = await gameday(['alarms', 'export', exp, '--out', rules]);
  assert.equal(ex.code, 0, ex.stderr);
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      `  scrape_interval: ${SCRAPE_S}s`,
      `  evaluation_interval: ${EVAL_S}s`,
      `  scrape_timeout: ${SCRAPE_S}s`,
      'rule_files:',
      `  - ${rules}`,
      'scrape_configs:',
      '  - job_name: gameday',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${metricsPort}']`,
      '',
    ].join('\n'),
  );
  const prom = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let promLog = '';
  prom.stderr.on('data', (c: Buffer) => (promLog = (promLog + c.toString()).slice(-4000)));
  const api = `http://127.0.0.1:${promPort}`;
  const query = async (q: string, time?: number): Promise<Sample[]> => {
    const u = new URL('/api/v1/query', api);
    u.searchParams.set('query', q);
    if (time !== undefined) u.searchParams.set('time', String(time));
    const body = (await (await fetch(u)).json()) as { status: string; data: { result: Sample[] } };
    assert.equal(body.status, 'success', JSON.stringify(body));
    return body.data.result;
  };
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${api}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      assert.ok(i < 100 && prom.exitCode === null, `prometheus did not get ready: ${promLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const out = join(dir, 'run');
    const run = await gameday(['run', exp, '--seed', '7', '--out', out, '--quiet', '--metrics', `127.0.0.1:${metricsPort}`]);
    assert.ok(run.code === 0 || run.code === 1, `the game day ran: ${run.code} ${run.stderr.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, (SCRAPE_S + EVAL_S) * 1000 + SLACK_MS));
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => undefined))?.status, undefined, 'the metrics server closed with the run');

    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { startedAt: string };
    const t0 = Date.parse(result.startedAt);
    const raised = new Map<string, number>();
    /** Longest ALARM episode of each alarm in gameday, ms (an episode shorter than a scrape plus an evaluation may fall between Prometheus's looks). */
    const longest = new Map<string, number>();
    const since = new Map<string, number>();
    const lines = readFileSync(join(out, 'alarms.ndjson'), 'utf8');
    for (const l of lines.split('\n').filter(Boolean)) {
      const ch = JSON.parse(l) as { alarm: string; to: string; time: number };
      if (ch.to === 'ALARM') {
        if (!raised.has(ch.alarm)) raised.set(ch.alarm, t0 + ch.time);
        since.set(ch.alarm, ch.time);
      } else longest.set(ch.alarm, Math.max(longest.get(ch.alarm) ?? 0, ch.time - (since.get(ch.alarm) ?? ch.time)));
    }
    for (const a of since.keys()) if (!longest.has(a)) longest.set(a, Infinity);
    assert.ok(raised.size >= 2, `the power-offs raised alarms in gameday (${[...raised.keys()].join(', ')})`);

    // raw samples of the ALERTS series: the evaluation times at which each alert was firing
    const fired = new Map<string, number>();
    const firedFor = new Map<string, number>();
    for (const s of await query('ALERTS{alertstate="firing"}[10m]')) {
      const alarm = s.metric['alarm'] as string;
      const first = Math.min(...s.values.map(([t]) => t * 1000));
      fired.set(alarm, Math.min(first, fired.get(alarm) ?? Infinity));
      firedFor.set(alarm, (firedFor.get(alarm) ?? 0) + s.values.length * EVAL_S * 1000);
      assert.equal(s.metric['severity'], 'page');
    }
    // an alarm only one side raised is excused only when its ALARM was brief there: a rate hovering at the
    // threshold for a scrape or two is judged on samples by Prometheus and on every call by gameday
    const blink = 2 * (SCRAPE_S + EVAL_S) * 1000;
    const excused: string[] = [];
    for (const a of new Set([...raised.keys(), ...fired.keys()])) {
      if (raised.has(a) && fired.has(a)) continue;
      const short = raised.has(a) ? (longest.get(a) ?? Infinity) < blink : (firedFor.get(a) ?? Infinity) <= blink;
      assert.ok(short, `${a}: raised by ${raised.has(a) ? 'gameday' : 'Prometheus'} only, for longer than ${blink} ms\n${lines}`);
      excused.push(`${a} (${raised.has(a) ? 'gameday' : 'Prometheus'} only, under ${blink} ms)`);
      raised.delete(a);
      fired.delete(a);
    }
    if (excused.length) console.log(`alarms too brief for a ${SCRAPE_S}s scrape: ${excused.join(', ')}`);
    assert.ok(fired.size >= 2, `Prometheus and gameday raised at least two same alarms (${[...fired.keys()].join(', ')})`);
    const delays: string[] = [];
    for (const [alarm, at] of raised) {
      const d = (fired.get(alarm) as number) - at;
      delays.push(`${alarm} ${d >= 0 ? '+' : ''}${Math.round(d)} ms`);
      assert.ok(d <= (SCRAPE_S + EVAL_S) * 1000 + SLACK_MS, `${alarm}: Prometheus fired ${Math.round(d)} ms after gameday`);
      // early is possible by up to the alarm's window: increase() extrapolates the samples it has to the whole window
      assert.ok(d >= -(WINDOW_MS + SLACK_MS), `${alarm}: Prometheus fired ${Math.round(-d)} ms before gameday`);
    }
    console.log(`prometheus alert − gameday alarm: ${delays.join(', ')}`);

    // the dashboard's names, against what Prometheus stored from the live registry
    const names = (await (await fetch(`${api}/api/v1/label/__name__/values`)).json()) as { data: string[] };
    const dash = readFileSync(new URL('../dashboards/grafana/gameday-canaries.json', import.meta.url), 'utf8');
    for (const n of new Set(dash.match(/\bgameday_[a-z_]+/g))) assert.ok(names.data.includes(n), `${n} (queried by the dashboard) was scraped`);
    const phases = await query('max_over_time(gameday_phase[10m]) == 1');
    // the scrub and final reads can be shorter than a scrape: the three timed phases are always seen
    for (const ph of ['baseline', 'chaos', 'recovery'])
      assert.ok(
        phases.some((s) => s.metric['phase'] === ph),
        `phase ${ph} was scraped`,
      );
    const faults = await query('max_over_time(gameday_fault_active[10m])');
    assert.ok(
      faults.some((s) => s.metric['kind'] === 'power-off' && s.value?.[1] === '1'),
      'a power-off was scraped while injected',
    );
  } finally {
    prom.kill('SIGTERM');
    await new Promise((r) => (prom.exitCode !== null ? r(null) : prom.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
});
