// `npm run bench`: the project's benchmarks, one section each. Figures are
// printed, not asserted; see each section for what it compares against.
import { runProxyBench } from '../harness/toxiproxy/bench.ts';

const sections: { name: string; run: () => Promise<unknown> }[] = [
  {
    name: 'fault proxy (harness/toxiproxy)',
    run: () => runProxyBench(process.env['TOXIPROXY_URL'] ? { toxiproxyUrl: process.env['TOXIPROXY_URL'] } : {}),
  },
];

const only = process.argv.slice(2);
for (const s of sections) {
  if (only.length > 0 && !only.some((o) => s.name.includes(o))) continue;
  process.stdout.write(`\n== ${s.name}\n`);
  await s.run();
}
