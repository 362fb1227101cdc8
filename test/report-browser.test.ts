// test: game-days (runs local game days and a browser; see test/run-tests.mjs)
// The report as a person sees it: two real short game days on the reference cluster
// (local provider), one passing (with real k6 load where ../shared/bin/k6 is) and one
// with the unsafe skip-fsync mode under a power cut of every storage node (lost writes), their report.html
// and the runs folder's index page rendered in Debian's Chromium (playwright-core
// driving /usr/bin/chromium, no browser download). It asserts what the page shows:
// one chart per AZ, as many fault bands as faults.ndjson has injections, the witness
// naming the lost keys, no console error, no request leaving the file; each page's
// screenshot is kept beside it (report.png in the run folder, index.png in the runs
// folder) for CI to upload. Both runs' junit.xml are checked against the JUnit schema.
// So is the junit.xml of a game day interrupted by SIGTERM in chaos, and its report
// renders too. Without /usr/bin/chromium the browser parts skip, saying so.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import type { FaultRecord } from '../harness/faults/journal.ts';
import type { Op } from '../harness/history/op.ts';
import type { RunResult } from '../harness/runner/result.ts';
import { gameday, repoRoot } from './cli.ts';
import { junitProblems } from './junit-schema.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no ${CHROMIUM} here (Debian's chromium: apt-get install -y chromium; .ci/run installs it)`;
const k6bin = join(repoRoot, '..', 'shared', 'bin');
const haveK6 = existsSync(join(k6bin, 'k6'));
const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-state'), PATH: `${k6bin}${delimiter}${process.env['PATH'] ?? ''}` };
const runs = mkdtempSync(join(tmpdir(), 'gameday-report-browser-'));
/** The text a person sees in an element (rendered: table cells apart by tabs, rows by newlines). */
const shown = async (l: Locator): Promise<string> => (await l.allInnerTexts()).join('\n');
const ndjson = <T>(file: string): T[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

async function browser(): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  // a fresh profile every time (playwright takes it as the persistent context's folder)
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'gameday-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
}

interface Seen {
  readonly page: Page;
  readonly errors: string[];
  readonly external: string[];
}

/** Opens a file in a new page, recording console errors, page errors and every request that is not the file itself (aborted). */
async function open(ctx: BrowserContext, file: string): Promise<Seen> {
  const page = await ctx.newPage();
  const errors: string[] = [];
  const external: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    external.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, errors, external };
}

/** What every run report must show, checked against the run folder's own files. */
async function checkReport(ctx: BrowserContext, dir: string): Promise<Seen> {
  const seen = await open(ctx, join(dir, 'report.html'));
  const { page } = seen;
  const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
  assert.match(await page.title(), new RegExp(`^${result.verdict.toUpperCase()} · `));
  // one chart per AZ whose canaries made calls
  const azs = [
    ...new Set(
      ndjson<Op>(join(dir, 'history.ndjson'))
        .filter((o) => !o.final && o.az !== undefined)
        .map((o) => o.az as string),
    ),
  ].sort();
  assert.equal(azs.length, 3, 'the reference cluster has 3 AZs');
  const charts = page.locator('figure.az-chart');
  assert.deepEqual(await charts.evaluateAll((fs) => fs.map((f) => f.getAttribute('data-az'))), azs);
  // in each of an AZ's charts, one labelled band per injection of faults.ndjson, drawn with a width
  const injections = ndjson<FaultRecord>(join(dir, 'faults.ndjson')).filter((f) => f.event === 'inject' && !f.error);
  assert.ok(injections.length >= 1, `${injections.length} injections`); // four power-offs in the passing run, one power cut of every storage node in the failing one
  for (const az of azs) {
    const svgs = page.locator(`figure.az-chart[data-az="${az}"] svg`);
    assert.equal(await svgs.count(), 2, `${az}: availability and latency`);
    for (let i = 0; i < 2; i++) {
      const bands = svgs.nth(i).locator('g.fault-band');
      assert.deepEqual(
        await bands.evaluateAll((gs) => gs.map((g) => g.getAttribute('data-fault'))),
        injections.map((f) => f.id),
        `${az} chart ${i}: a band per injection`,
      );
      const labels = await svgs.nth(i).locator('text.fault-label').allTextContents();
      assert.deepEqual(
        labels.map((l) => l.split(' ')[0]),
        injections.map((f) => f.id),
      );
      for (const [k, f] of injections.entries()) assert.ok(labels[k]?.includes(f.nodes[0] as string), `label ${labels[k]} names ${f.nodes[0]}`);
      const box = await bands.first().locator('rect').boundingBox();
      assert.ok(box && box.width > 2 && box.height > 50, `band drawn: ${JSON.stringify(box)}`);
      // a line was drawn over the run
      const points = await svgs
        .nth(i)
        .locator('polyline')
        .evaluateAll((ps) => ps.reduce((n, p) => n + (p.getAttribute('points') ?? '').split(' ').length, 0));
      assert.ok(points > 40, `${az} chart ${i}: ${points} points`);
    }
  }
  // the alarm timeline: a row per alarm that changed state
  const alarms = new Set(ndjson<{ alarm: string }>(join(dir, 'alarms.ndjson')).map((a) => a.alarm));
  assert.ok(alarms.size > 0, 'power-offs raise alarms');
  const alarmText = await shown(page.locator('#alarms figure'));
  for (const a of alarms) assert.ok(alarmText.includes(a), `alarm timeline names ${a}`);
  await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
  return seen;
}

test('report.html of real game days in Chromium: a chart per AZ, fault bands as in faults.ndjson, the lost keys in the witness, no console errors or external requests; the index page links to each', {
  skip,
  timeout: 420_000,
}, async () => {
  const good = join(runs, 'pass');
  const bad = join(runs, 'skip-fsync');
  const experiment = join(repoRoot, 'test/fixtures/short-power-off.yaml');
  let file = experiment;
  if (haveK6) {
    // the same game day with real k6 load beside the canaries
    file = join(runs, 'short-power-off-k6.yaml');
    writeFileSync(file, `${readFileSync(experiment, 'utf8')}load: { k6: ${join(repoRoot, 'experiments/k6/reference.js')}, vus: 4 }\n`);
  } else console.log(`# no k6 at ${k6bin}: the passing game day runs without k6 load, and its k6 section is not checked`);
  const r1 = await gameday(['run', file, '--seed', '3', '--out', good, '--quiet'], { env });
  assert.ok(r1.code === 0 || r1.code === 1, `exit ${r1.code}\n${r1.stderr}`);
  // every storage node powered off at once: with leader election, one replica's lost tail is repaired from the others, so skip-fsync shows when all lose power together
  const r2 = await gameday(['run', join(repoRoot, 'test/fixtures/short-power-cut.yaml'), '--seed', '11', '--bug', 'skip-fsync', '--out', bad, '--quiet'], {
    env,
  });
  assert.equal(r2.code, 1, `exit ${r2.code}\n${r2.stdout}\n${r2.stderr}`);
  // their junit.xml too, against the JUnit schema CI servers read
  for (const d of [good, bad]) assert.deepEqual(await junitProblems(readFileSync(join(d, 'junit.xml'), 'utf8')), [], `${d}/junit.xml`);
  assert.match(readFileSync(join(bad, 'junit.xml'), 'utf8'), /<failure message="[^"]+" type="lost-writes">/);
  const ix = await gameday(['report', '--index', '--runs-dir', runs]);
  assert.equal(ix.code, 0, ix.stderr);

  const ctx = await browser();
  try {
    const seen: Seen[] = [];
    // the passing run, and its k6 figures when it had k6
    const a = await checkReport(ctx, good);
    seen.push(a);
    if (haveK6) {
      const rows = await a.page.locator('#k6 table.k6-phases tbody tr').allInnerTexts();
      assert.deepEqual(
        rows.map((r) => r.split('\t')[0]),
        ['baseline', 'chaos', 'recovery'],
      );
      assert.match(rows[1] ?? '', /^chaos\t\d+\t[\d.]+\t[\d.]+%\t[\d.]+ ms\t[\d.]+ ms\t[\d.]+ ms\t\d+ \/ \d+/);
    }
    // the failing run: the witness names every lost key it lists, with the value and when it was acknowledged
    const b = await checkReport(ctx, bad);
    seen.push(b);
    const result = JSON.parse(readFileSync(join(bad, 'result.json'), 'utf8')) as RunResult;
    const lost = result.checks.find((c) => c.name === 'lost-writes');
    assert.equal(lost?.verdict, 'fail', lost?.summary);
    const acks = lost?.['lostAcknowledged'] as { key: string; value: string; acknowledgedAtMs: number }[];
    assert.ok(acks.length > 0);
    const witness = b.page.locator('#witness-lost-writes');
    assert.ok(await witness.isVisible(), 'the witness is on the page, not folded away');
    const text = await shown(witness);
    for (const x of acks.slice(0, 50)) {
      assert.ok(text.includes(`"${x.key}"\twrite "${x.value}"`), `witness names lost key ${x.key} with its value`);
      assert.ok(text.includes(`+${(x.acknowledgedAtMs / 1000).toFixed(3)}s`), `and when ${x.key} was acknowledged`);
    }
    assert.match(text, new RegExp(`${acks.length >= 50 ? '\\d+' : acks.length} acknowledged write\\(s\\) lost, earliest acknowledgement first`));
    const lin = result.checks.find((c) => c.name === 'linearizable');
    if (lin?.verdict === 'fail') {
      const w = lin['witness'] as { key: string; window: unknown[] };
      const lt = await shown(b.page.locator('#witness-linearizable'));
      assert.ok(lt.includes(`Key "${w.key}"`) && lt.includes('cannot be ordered') && lt.includes('Longest linearizable prefix'), lt);
      assert.equal(await b.page.locator('#witness-linearizable table.calls').first().locator('tbody tr').count(), w.window.length);
    }
    // the index page: a row per run, each link opening that run's report
    const ixp = await open(ctx, join(runs, 'index.html'));
    seen.push(ixp);
    assert.equal(await ixp.page.locator('table.runs tbody tr').count(), 2);
    assert.match(await shown(ixp.page.locator('table.runs tbody tr').nth(1)), /\b11\tFAIL\t/);
    await ixp.page.screenshot({ path: join(runs, 'index.png'), fullPage: true });
    await ixp.page.locator('table.runs tbody tr').nth(1).locator('a.run-report').click();
    await ixp.page.waitForURL(/skip-fsync\/report\.html$/);
    assert.match(await ixp.page.title(), /^FAIL · /);
    for (const s of seen) {
      assert.deepEqual(s.errors, [], 'no console errors');
      assert.deepEqual(s.external, [], 'no request leaves the file');
    }
    for (const f of [join(good, 'report.png'), join(bad, 'report.png'), join(runs, 'index.png')])
      assert.ok(readFileSync(f).subarray(1, 4).toString() === 'PNG', `${f} is a PNG`);
    console.log(`# screenshots: ${join(good, 'report.png')} ${join(bad, 'report.png')} ${join(runs, 'index.png')}`);
  } finally {
    await ctx.close();
  }
});

test('an interrupted game day (SIGTERM in chaos): junit.xml is valid JUnit with an <error> per check, and its report renders without errors', {
  timeout: 180_000,
}, async () => {
  const out = join(runs, 'interrupted');
  let sent = false;
  const r = await gameday(['run', join(repoRoot, 'test/fixtures/short-power-off.yaml'), '--seed', '5', '--out', out], {
    env,
    onStderr: (all, kill) => {
      if (!sent && /f1 power-off/.test(all)) {
        sent = true;
        kill('SIGTERM');
      }
    },
  });
  assert.ok(sent, 'the chaos phase was reached');
  assert.equal(r.code, 130, r.stderr);
  const xml = readFileSync(join(out, 'junit.xml'), 'utf8');
  assert.deepEqual(await junitProblems(xml), [], xml);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
  assert.ok(result.checks.length > 0);
  assert.match(xml, new RegExp(`<testsuites name="gameday" tests="${result.checks.length}" failures="0" errors="${result.checks.length}" skipped="0"`));
  assert.equal((xml.match(/<error message="[^"]+" type="interrupted">[^<]+<\/error>/g) ?? []).length, result.checks.length);
  if (skip) {
    console.log(`# ${skip}: the interrupted run's report is not rendered`);
    return;
  }
  const ctx = await browser();
  try {
    const s = await open(ctx, join(out, 'report.html'));
    assert.match(await s.page.title(), /^UNKNOWN · /);
    assert.match(await shown(s.page.locator('.banner')), /INTERRUPTED/);
    assert.equal(await s.page.locator('figure.az-chart').count(), 3);
    assert.deepEqual(s.errors, []);
    assert.deepEqual(s.external, []);
  } finally {
    await ctx.close();
  }
});
