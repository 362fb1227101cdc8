// One proxy: a TCP listener on `listen` forwarding every connection to
// `upstream`, with its toxics. Disabling closes the listener and every open
// connection; toxics added, updated or removed apply to open connections too.
import { formatHostPort, parseHostPort } from './address.ts';
import { ApiError, Errors, listenErrorText } from './api-error.ts';
import { Connection } from './connection.ts';
import { drawFor, rngFor } from '../schedule/rng.ts';
import { tcpFor, type Side, type Tcp, type TcpListener } from './tcp.ts';
import { parseToxicUpdate, toxicJson, type Stream, type ToxicSpec } from './toxic-spec.ts';

const STREAMS: readonly Stream[] = ['upstream', 'downstream'];

export interface ProxyConfig {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
}

export class Proxy {
  readonly name: string;
  listen: string;
  upstream: string;
  private server: TcpListener | undefined;
  private readonly conns = new Set<Connection>();
  private toxics: ToxicSpec[] = [];
  private nextConnId = 0;

  constructor(
    config: ProxyConfig,
    private readonly seed: number,
    private readonly tcp: Tcp = tcpFor(),
  ) {
    this.name = config.name;
    this.listen = config.listen;
    this.upstream = config.upstream;
  }

  get enabled(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const at = parseHostPort(this.listen);
    if (!at) throw Errors.badRequestBody.with(`listen address "${this.listen}" is not host:port`);
    const up = parseHostPort(this.upstream);
    if (!up) throw Errors.badRequestBody.with(`upstream address "${this.upstream}" is not host:port`);
    const upHost = up.host || '127.0.0.1';
    let server: TcpListener;
    try {
      server = await this.tcp.listen(at.host, at.port, (client) => this.accept(client, upHost, up.port));
    } catch (e) {
      throw new ApiError(`listen tcp ${this.listen}: ${listenErrorText(e)}`, 500);
    }
    this.listen = formatHostPort(server.address, server.port);
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = server.close();
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    await closed;
  }

  private accept(client: Side, host: string, port: number): void {
    const id = this.nextConnId++;
    const conn = new Connection(
      id,
      client,
      this.tcp.connect(host, port),
      { upstream: rngFor(this.seed, this.name, id, 'upstream'), downstream: rngFor(this.seed, this.name, id, 'downstream') },
      (c) => this.conns.delete(c),
      this.tcp.native,
    );
    this.conns.add(conn);
    for (const stream of STREAMS) this.apply(conn, stream);
  }

  /** Whether a toxic applies to a connection: one seeded draw per (proxy, connection, toxic). */
  private applies(connId: number, spec: ToxicSpec): boolean {
    return spec.toxicity >= 1 || drawFor(this.seed, this.name, connId, spec.name) < spec.toxicity;
  }

  private apply(conn: Connection, stream: Stream): void {
    const specs = this.toxics.filter((t) => t.stream === stream);
    conn.setToxics(stream, specs, (spec) => this.applies(conn.id, spec));
  }

  private broadcast(stream: Stream): void {
    for (const conn of this.conns) this.apply(conn, stream);
  }

  /** Open connections, for tests and introspection. */
  connections(): readonly Connection[] {
    return [...this.conns];
  }

  listToxics(): readonly ToxicSpec[] {
    return STREAMS.flatMap((s) => this.toxics.filter((t) => t.stream === s));
  }

  getToxic(name: string): ToxicSpec {
    const t = this.toxics.find((x) => x.name === name);
    if (!t) throw Errors.toxicNotFound;
    return t;
  }

  addToxic(spec: ToxicSpec): ToxicSpec {
    if (this.toxics.some((t) => t.name === spec.name)) throw Errors.toxicAlreadyExists;
    this.toxics.push(spec);
    this.broadcast(spec.stream);
    return spec;
  }

  updateToxic(name: string, body: unknown): ToxicSpec {
    const old = this.getToxic(name);
    const updated = parseToxicUpdate(old, body);
    this.toxics = this.toxics.map((t) => (t === old ? updated : t));
    this.broadcast(updated.stream);
    return updated;
  }

  removeToxic(name: string): void {
    const old = this.getToxic(name);
    this.toxics = this.toxics.filter((t) => t !== old);
    this.broadcast(old.stream);
  }

  resetToxics(): void {
    this.toxics = [];
    for (const s of STREAMS) this.broadcast(s);
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      enabled: this.enabled,
      toxics: this.listToxics().map(toxicJson),
    };
  }
}
