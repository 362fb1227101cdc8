// Realistic load for the reference cluster's HTTP key-value API, run by k6 beside the
// canaries (`load: { k6: ./k6/reference.js, vus: 10 }` in an experiment). gameday
// passes every public endpoint as each AZ reaches it: GAMEDAY_URLS (JSON
// [{az, endpoint, url}]) and GAMEDAY_URL_<AZ>_<ENDPOINT>. Each virtual user sticks to
// one endpoint, writes and reads keys of its own, and checks what it read back.
import http from 'k6/http';
import { check, sleep } from 'k6';
import exec from 'k6/execution';

const endpoints = JSON.parse(__ENV.GAMEDAY_URLS || '[]');

export default function () {
  if (endpoints.length === 0) throw new Error('no GAMEDAY_URLS: run this script through gameday (load: in an experiment)');
  const vu = exec.vu.idInTest;
  const ep = endpoints[vu % endpoints.length];
  const key = `k6-${vu}-${exec.vu.iterationInScenario % 50}`;
  const value = `${vu}:${exec.vu.iterationInScenario}`;
  const tags = { az: ep.az, endpoint: ep.endpoint };
  const put = http.put(`${ep.url}/kv/${key}`, JSON.stringify({ value }), { headers: { 'content-type': 'application/json' }, tags: { ...tags, op: 'put' }, timeout: '3s' });
  check(put, { 'put answered 200': (r) => r.status === 200 });
  const get = http.get(`${ep.url}/kv/${key}?consistency=strong`, { tags: { ...tags, op: 'get' }, timeout: '3s' });
  check(get, { 'get answered 200': (r) => r.status === 200 });
  sleep(0.05);
}
