/**
 * The server's counters in Prometheus text exposition format (version 0.0.4): requests by
 * status, a latency histogram, batch sizes, queue depth and the versions served. Small enough
 * to write here; nothing else in hpo exports metrics.
 */

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64];

type Labels = Record<string, string>;

class Histogram {
  readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(readonly buckets: number[]) {}
  observe(labels: Labels, value: number): void {
    const key = JSON.stringify(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((b, i) => { if (value <= b) s.counts[i]++; });
    s.sum += value;
    s.count++;
  }
}

/** What /metrics reports; the server updates it, `render` formats it. */
export class ServeMetrics {
  private readonly requests = new Map<string, { labels: Labels; value: number }>();
  private readonly images = new Map<string, { labels: Labels; value: number }>();
  private readonly latency = new Histogram(LATENCY_BUCKETS);
  private readonly batches = new Histogram(BATCH_BUCKETS);

  /** One finished HTTP request. */
  request(model: string, route: string, status: number, seconds: number): void {
    const labels = { model, route, status: String(status) };
    bump(this.requests, labels, 1);
    this.latency.observe({ model, route }, seconds);
  }

  /** One forward pass of `size` images on `version`. */
  batch(model: string, version: string, size: number): void {
    this.batches.observe({ model, version }, size);
    bump(this.images, { model, version }, size);
  }

  /** The text of GET /metrics; gauges come from `state` at call time. */
  render(state: { queueDepth: Record<string, number>; inFlight: number; versions: { model: string; version: string; role: string; traffic: number }[] }): string {
    const out: string[] = [];
    const line = (name: string, labels: Labels, value: number) => out.push(`${name}${fmt(labels)} ${value}`);
    out.push('# HELP hpo_serve_requests_total HTTP requests by route and status.', '# TYPE hpo_serve_requests_total counter');
    for (const s of this.requests.values()) line('hpo_serve_requests_total', s.labels, s.value);
    histogram(out, 'hpo_serve_request_duration_seconds', 'Request latency in seconds.', this.latency);
    histogram(out, 'hpo_serve_batch_size', 'Images per forward pass.', this.batches);
    out.push('# HELP hpo_serve_images_total Images run through the network.', '# TYPE hpo_serve_images_total counter');
    for (const s of this.images.values()) line('hpo_serve_images_total', s.labels, s.value);
    out.push('# HELP hpo_serve_queue_depth Images waiting for a forward pass.', '# TYPE hpo_serve_queue_depth gauge');
    for (const [model, depth] of Object.entries(state.queueDepth)) line('hpo_serve_queue_depth', { model }, depth);
    out.push('# HELP hpo_serve_requests_in_flight Predict requests being answered.', '# TYPE hpo_serve_requests_in_flight gauge');
    line('hpo_serve_requests_in_flight', {}, state.inFlight);
    out.push('# HELP hpo_serve_model_version Versions loaded (value 1), with role and traffic share.', '# TYPE hpo_serve_model_version gauge');
    for (const v of state.versions) line('hpo_serve_model_version', { model: v.model, version: v.version, role: v.role, traffic: String(v.traffic) }, 1);
    return out.join('\n') + '\n';
  }
}

function bump(map: Map<string, { labels: Labels; value: number }>, labels: Labels, by: number): void {
  const key = JSON.stringify(labels);
  const s = map.get(key);
  if (s) s.value += by;
  else map.set(key, { labels, value: by });
}

function histogram(out: string[], name: string, help: string, h: Histogram): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
  for (const s of h.series.values()) {
    h.buckets.forEach((b, i) => out.push(`${name}_bucket${fmt({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
    out.push(`${name}_bucket${fmt({ ...s.labels, le: '+Inf' })} ${s.count}`, `${name}_sum${fmt(s.labels)} ${s.sum}`, `${name}_count${fmt(s.labels)} ${s.count}`);
  }
}

function fmt(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}
