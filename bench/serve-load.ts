/**
 * The load generator of bench:serve, run as its own process so that its event loop and CPU are
 * not the server's: `clients` kept-alive TCP connections, each with one HTTP/1.1 request in
 * flight at a time (a POST of one image file, `content-type` from its extension), for `seconds`
 * after `warmup` requests per connection. Requests are serialized once up front and responses
 * are framed by their Content-Length, so a request costs the client little more than the
 * socket writes and reads (as autocannon does). Every connection's first 200 answer must be a
 * detection response (JSON with `images[0].detections`), or the run fails. Prints `warm` once
 * warmed up, then one JSON line: { requests, errors, statuses, p50Ms, p99Ms, seconds, cpuMs }.
 *   node --import tsx bench/serve-load.ts '{"port":9000,"path":"/v1/...","files":[...],"clients":8,"seconds":4,"warmup":4}'
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { quantile } from './lib-stats.ts';

interface LoadSpec { port: number; path: string; files: string[]; clients: number; seconds: number; warmup: number }

const spec = JSON.parse(process.argv[2]) as LoadSpec;
const HEADER_END = Buffer.from('\r\n\r\n');

/** One serialized POST per image file. */
function requests(): Buffer[] {
  return spec.files.map((file) => {
    const body = readFileSync(file);
    const type = /\.png$/i.test(file) ? 'image/png' : 'image/jpeg';
    const head = `POST ${spec.path} HTTP/1.1\r\nhost: 127.0.0.1:${spec.port}\r\ncontent-type: ${type}\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n`;
    return Buffer.concat([Buffer.from(head, 'latin1'), body]);
  });
}

/** A response read off the socket: status and body. */
interface Response { status: number; body: Buffer }

/** Frames responses on one socket; one request in flight, so at most one response is pending. */
class Connection {
  private pending: Buffer = Buffer.alloc(0);
  private waiting: { resolve(r: Response): void; reject(e: Error): void } | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      this.drain();
    });
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  send(request: Buffer): Promise<Response> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  close(): void {
    this.socket.removeAllListeners('close');
    this.socket.destroy();
  }

  private drain(): void {
    const end = this.pending.indexOf(HEADER_END);
    if (end < 0 || !this.waiting) return;
    const head = this.pending.subarray(0, end).toString('latin1');
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
    if (length === undefined) return this.fail(new Error(`a response without content-length (chunked answers are not framed here): ${head.split('\r\n')[0]}`));
    const total = end + 4 + Number(length);
    if (this.pending.length < total) return;
    const body = this.pending.subarray(end + 4, total);
    this.pending = this.pending.subarray(total);
    const w = this.waiting;
    this.waiting = undefined;
    w.resolve({ status, body });
  }

  private fail(error: Error): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(error);
  }
}

function checkDetectionBody(body: Buffer): void {
  const parsed = JSON.parse(body.toString('utf8')) as { images?: { detections?: unknown }[] };
  if (!Array.isArray(parsed.images?.[0]?.detections)) throw new Error(`a 200 answer that is not a detection response: ${body.subarray(0, 200).toString()}`);
}

const bodies = requests();
const connections = await Promise.all(Array.from({ length: spec.clients }, () => Connection.open(spec.port)));
const checked = new Set<Connection>();
/** Sends one request; the first 200 answer of each connection is checked to be a detection response. */
async function send(c: Connection, request: Buffer): Promise<number> {
  const r = await c.send(request);
  if (r.status === 200 && !checked.has(c)) {
    checkDetectionBody(r.body);
    checked.add(c);
  }
  return r.status;
}
await Promise.all(connections.map(async (c, i) => {
  for (let k = 0; k < spec.warmup; k++) await send(c, bodies[(i + k) % bodies.length]);
}));
process.stdout.write('warm\n');

const latencies: number[] = [];
const statuses: Record<string, number> = {};
let errors = 0;
const cpu0 = process.cpuUsage();
const start = performance.now();
const end = start + spec.seconds * 1000;
await Promise.all(connections.map(async (c, i) => {
  let k = i;
  while (performance.now() < end) {
    const t0 = performance.now();
    const status = await send(c, bodies[k++ % bodies.length]);
    latencies.push(performance.now() - t0);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status !== 200) errors++;
  }
}));
const seconds = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
for (const c of connections) c.close();
process.stdout.write(JSON.stringify({
  requests: latencies.length, errors, statuses, p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99), seconds, cpuMs: (cpu.user + cpu.system) / 1000,
}) + '\n');
