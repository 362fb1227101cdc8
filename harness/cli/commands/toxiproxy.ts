// `gameday toxiproxy`: the embedded Toxiproxy-compatible fault proxy, run in
// the foreground as a stand-in Toxiproxy server until Ctrl-C or SIGTERM.
import type { CommandModule } from 'yargs';
import { isLoopback, parseHostPort } from '../../toxiproxy/address.ts';
import { randomSeed } from '../../schedule/rng.ts';
import { startToxiproxyServer, type StartedToxiproxyServer } from '../../toxiproxy/server.ts';
import { UsageError } from '../errors.ts';

interface Args {
  listen: string;
  seed: number | undefined;
}

export function parseListen(text: string): { host: string; port: number } {
  const at = parseHostPort(text);
  if (!at || at.host === '') {
    throw new UsageError(
      `--listen "${text}" is not HOST:PORT`,
      'give an address and port, e.g. --listen 127.0.0.1:8474 (or 0.0.0.0:8474 to accept other machines)',
      '--listen',
    );
  }
  return { host: at.host, port: at.port };
}

export const command: CommandModule<object, Args> = {
  command: 'toxiproxy',
  describe: 'run the embedded Toxiproxy-compatible fault proxy until Ctrl-C',
  builder: (y) =>
    y
      .option('listen', {
        type: 'string',
        default: '127.0.0.1:8474',
        describe: 'HOST:PORT of the HTTP API (loopback unless you name another address)',
      })
      .option('seed', { type: 'number', describe: 'seed for every random choice (toxicity, jitter, slicing)' }),
  handler: async (args) => {
    const { host, port } = parseListen(args.listen);
    if (args.seed !== undefined && !Number.isSafeInteger(args.seed)) {
      throw new UsageError(`--seed ${args.seed} is not an integer`, 'pass a whole number, e.g. --seed 42', '--seed');
    }
    const seed = args.seed ?? randomSeed();
    let server: StartedToxiproxyServer;
    try {
      server = await startToxiproxyServer({
        host,
        port,
        seed,
        onError: (err) => process.stderr.write(`toxiproxy: internal error: ${(err as Error).stack ?? String(err)}\n`),
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE' || e.code === 'EADDRNOTAVAIL' || e.code === 'EACCES') {
        throw new UsageError(`cannot listen on ${args.listen}: ${e.code}`, 'choose a free port or an address of this machine', '--listen');
      }
      throw err;
    }
    const scope = isLoopback(server.host) ? 'loopback only' : 'REACHABLE FROM OTHER MACHINES';
    const io = { native: 'the native forwarder while no toxic applies, else libuv handles', raw: 'libuv handles', node: 'net.Socket' }[server.io];
    const fallback = server.ioFallback ? ` (not native: ${server.ioFallback})` : '';
    process.stdout.write(`toxiproxy API listening on ${server.url} (${scope}), seed ${seed}, bytes moved by ${io}${fallback}\n`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    process.stdout.write(`toxiproxy: ${signal}, closing proxies\n`);
    await server.close();
    process.exitCode = signal === 'SIGINT' ? 130 : 0;
  },
};
