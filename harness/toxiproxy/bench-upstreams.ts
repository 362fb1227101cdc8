// The benchmark's upstreams, run as their own process so that the proxy under
// test does not share an event loop with them: an echo server, and a
// streaming server that sends as many bytes as the client asks for (an 8-byte
// big-endian count) and then ends. Prints {"echo": port, "stream": port} and
// exits when its stdin closes.
import { createServer, type AddressInfo, type Server } from 'node:net';
import { once } from 'node:events';

const BLOCK = Buffer.alloc(1 << 20, 0x5a);

const echo = createServer({ noDelay: true, allowHalfOpen: true }, (s) => {
  s.on('error', () => {});
  s.pipe(s);
});

const stream = createServer({ noDelay: true }, (s) => {
  s.on('error', () => {});
  s.once('data', (head: Buffer) => {
    let left = Number(head.readBigUInt64BE(0));
    const pump = (): void => {
      while (left > 0) {
        const part = left >= BLOCK.length ? BLOCK : BLOCK.subarray(0, left);
        left -= part.length;
        if (!s.write(part)) {
          s.once('drain', pump);
          return;
        }
      }
      s.end();
    };
    pump();
  });
});

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

const ports = { echo: await listen(echo), stream: await listen(stream) };
process.stdout.write(JSON.stringify(ports) + '\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
