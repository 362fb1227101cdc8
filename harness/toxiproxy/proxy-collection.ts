// The server's proxies by name, with the semantics of Toxiproxy's collection:
// create fails on a taken name, populate creates or replaces (a proxy whose
// listen and upstream are unchanged keeps its toxics and connections), reset
// re-enables every proxy and removes every toxic. Changes run one at a time.
import { ApiError, Errors, PopulateError } from './api-error.ts';
import { parseHostPort } from './address.ts';
import { Proxy } from './proxy.ts';
import { tcpFor, type Tcp } from './tcp.ts';
import { isRecord } from './toxic-spec.ts';

interface ProxyInput {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
  readonly enabled: boolean;
}

function str(v: unknown, field: string, fallback: string): string {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw Errors.badRequestBody.with(`${field} must be a string`);
  return v;
}

/** Reads one proxy body; `at` names its place in a populate list. */
function parseProxyInput(body: unknown, at = ''): ProxyInput {
  if (!isRecord(body)) throw Errors.badRequestBody.with('expected a JSON object');
  const name = str(body['name'], 'name', '');
  const upstream = str(body['upstream'], 'upstream', '');
  const listen = str(body['listen'], 'listen', '127.0.0.1:0') || '127.0.0.1:0';
  const enabled = body['enabled'] ?? true;
  if (typeof enabled !== 'boolean') throw Errors.badRequestBody.with('enabled must be a boolean');
  if (!name) throw Errors.missingField.with(`name${at}`);
  if (!upstream) throw Errors.missingField.with(`upstream${at}`);
  // as Go's net.Listen words it (a 500: Toxiproxy finds out only when it listens)
  if (!listen.includes(':')) throw new ApiError(`listen tcp: address ${listen}: missing port in address`, 500);
  if (!parseHostPort(listen)) throw Errors.badRequestBody.with(`listen address "${listen}"${at} is not host:port`);
  if (!parseHostPort(upstream)) throw Errors.badRequestBody.with(`upstream address "${upstream}"${at} is not host:port`);
  return { name, listen, upstream, enabled };
}

export class ProxyCollection {
  private readonly proxies = new Map<string, Proxy>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly seed: number,
    private readonly tcp: Tcp = tcpFor(),
  ) {}

  /** Runs changes one after another, so two requests never interleave their awaits. */
  private serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  list(): Proxy[] {
    return [...this.proxies.values()];
  }

  get(name: string): Proxy {
    const p = this.proxies.get(name);
    if (!p) throw Errors.proxyNotFound;
    return p;
  }

  create(body: unknown): Promise<Proxy> {
    return this.serial(async () => {
      const input = parseProxyInput(body);
      if (this.proxies.has(input.name)) throw Errors.proxyAlreadyExists;
      const proxy = new Proxy(input, this.seed, this.tcp);
      if (input.enabled) await proxy.start();
      this.proxies.set(input.name, proxy);
      return proxy;
    });
  }

  populate(body: unknown): Promise<Proxy[]> {
    return this.serial(async () => {
      let inputs: ProxyInput[];
      try {
        if (!Array.isArray(body)) throw Errors.badRequestBody.with('expected a JSON array of proxies');
        inputs = body.map((b, i) => parseProxyInput(b, ` at proxy ${i + 1}`));
        const names = new Set<string>();
        for (const i of inputs) {
          if (names.has(i.name)) throw Errors.badRequestBody.with(`duplicate proxy name "${i.name}"`);
          names.add(i.name);
        }
      } catch (e) {
        throw e instanceof ApiError ? new PopulateError(e, null) : e;
      }
      const out: Proxy[] = [];
      try {
        await this.populateEach(inputs, out);
      } catch (e) {
        // as Toxiproxy: the proxies made before the failure stay, and the answer lists them
        throw e instanceof ApiError ? new PopulateError(e, out.length === 0 ? null : out.map((p) => p.toJSON())) : e;
      }
      return out;
    });
  }

  private async populateEach(inputs: readonly ProxyInput[], out: Proxy[]): Promise<void> {
    for (const input of inputs) {
      let proxy = this.proxies.get(input.name);
      if (proxy && (proxy.upstream !== input.upstream || !sameListen(proxy.listen, input.listen))) {
        await proxy.stop();
        this.proxies.delete(input.name);
        proxy = undefined;
      }
      proxy ??= new Proxy(input, this.seed, this.tcp);
      if (input.enabled) await proxy.start();
      else await proxy.stop();
      this.proxies.set(input.name, proxy);
      out.push(proxy);
    }
  }

  update(name: string, body: unknown): Promise<Proxy> {
    return this.serial(async () => {
      const proxy = this.get(name);
      if (!isRecord(body)) throw Errors.badRequestBody.with('expected a JSON object');
      const listen = str(body['listen'], 'listen', proxy.listen) || proxy.listen;
      const upstream = str(body['upstream'], 'upstream', proxy.upstream) || proxy.upstream;
      const enabled = body['enabled'] ?? proxy.enabled;
      if (typeof enabled !== 'boolean') throw Errors.badRequestBody.with('enabled must be a boolean');
      if (!parseHostPort(listen)) throw Errors.badRequestBody.with(`listen address "${listen}" is not host:port`);
      if (!parseHostPort(upstream)) throw Errors.badRequestBody.with(`upstream address "${upstream}" is not host:port`);
      if (listen !== proxy.listen || upstream !== proxy.upstream) {
        await proxy.stop();
        proxy.listen = listen;
        proxy.upstream = upstream;
      }
      if (enabled) await proxy.start();
      else await proxy.stop();
      return proxy;
    });
  }

  remove(name: string): Promise<void> {
    return this.serial(async () => {
      const proxy = this.get(name);
      this.proxies.delete(name);
      await proxy.stop();
    });
  }

  reset(): Promise<void> {
    return this.serial(async () => {
      for (const proxy of this.proxies.values()) {
        await proxy.start();
        proxy.resetToxics();
      }
    });
  }

  closeAll(): Promise<void> {
    return this.serial(async () => {
      await Promise.all(this.list().map((p) => p.stop()));
      this.proxies.clear();
    });
  }
}

/** "127.0.0.1:0" asked again for a proxy now bound to 127.0.0.1:40123 is the same listen. */
function sameListen(bound: string, asked: string): boolean {
  if (bound === asked) return true;
  const a = parseHostPort(asked);
  const b = parseHostPort(bound);
  return a !== undefined && b !== undefined && a.port === 0 && a.host === b.host;
}
