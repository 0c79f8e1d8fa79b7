import type { StudyConfig } from '../../config/index.ts';
import type { StudyEvent, TrialRecord } from '../../study/index.ts';
import { formatValue } from '../../study/index.ts';
import type { GlobalOptions } from '../context.ts';

/**
 * Progress on stderr while a study runs. On a terminal: a block listing the running trials
 * with their epoch and last metric, redrawn in place, with finished trials scrolling above.
 * Elsewhere (CI, pipes): one line per start and finish; JSON lines with `--log-format json`.
 */
export class LiveView {
  private readonly running = new Map<string, { trial: TrialRecord; step?: number; value?: number; printedAt?: number }>();
  private drawn = 0;
  private readonly tty: boolean;
  private readonly json: boolean;
  private progress: { done: number; budget: number; best?: number; front?: number } = { done: 0, budget: 0 };
  private readonly startedAt = Date.now();
  /** Trials done when this process started (a resume): the ETA counts only what ran here. */
  private doneAtStart?: number;

  constructor(private readonly config: StudyConfig, globals: GlobalOptions) {
    this.json = globals.logFormat === 'json';
    this.tty = !this.json && Boolean(process.stderr.isTTY);
  }

  onEvent(event: StudyEvent): void {
    if (this.json) {
      const { trial, ...rest } = event as { trial?: TrialRecord };
      process.stderr.write(JSON.stringify({ event: event.type, taskId: trial?.id, number: trial?.number, ...rest, time: new Date().toISOString() }) + '\n');
      return;
    }
    switch (event.type) {
      case 'trial-started':
        this.running.set(event.trial.id, { trial: event.trial, printedAt: Date.now() });
        if (!this.tty) this.line(`trial ${event.trial.number} ${event.trial.id} started${event.trial.note ? ` (${event.trial.note.sampler})` : ''}: ${this.params(event.trial)}`);
        break;
      case 'trial-reported': {
        const entry = this.running.get(event.trial.id);
        if (entry) Object.assign(entry, { step: event.step, value: event.value ?? entry.value });
        // Without a terminal to redraw, a slow trial still shows signs of life, at most every 10 s.
        if (entry && !this.tty && Date.now() - (entry.printedAt ?? 0) >= 10_000) {
          entry.printedAt = Date.now();
          this.line(`trial ${event.trial.number} ${event.trial.id} epoch ${event.step + 1}: ${this.metricName()}=${fmt(entry.value)}`);
        }
        break;
      }
      case 'trial-finished': {
        this.running.delete(event.trial.id);
        const kind = event.outcome.ending.kind;
        const reason = kind === 'completed' ? '' : ` (${event.outcome.ending.reason})`;
        this.line(`trial ${event.trial.number} ${event.trial.id} ${kind} after ${event.trial.epochs} epochs: ${this.values(event.trial)}${reason}`);
        break;
      }
      case 'progress':
        this.doneAtStart ??= event.done;
        this.progress = event;
        if (!this.tty && event.done > this.doneAtStart) this.line(this.summary());
        break;
      case 'trial-pruned':
        if (!this.tty) this.line(`trial ${event.trial.number} ${event.trial.id} pruned at epoch ${event.step + 1}: ${event.reason}`);
        break;
      case 'warning':
        this.line(`warning: ${event.message}`);
        break;
    }
    this.redraw();
  }

  note(message: string): void {
    this.line(message);
    this.redraw();
  }

  close(): void {
    this.clear();
  }

  private line(text: string): void {
    this.clear();
    process.stderr.write(text + '\n');
  }

  private redraw(): void {
    if (!this.tty) return;
    this.clear();
    const lines = [`running ${this.running.size}, ${this.summary()}`];
    for (const { trial, step, value } of this.running.values()) {
      lines.push(`  #${trial.number} ${trial.id} epoch ${step === undefined ? '-' : step + 1} ${this.metricName()}=${fmt(value)}  ${this.params(trial)}`);
    }
    process.stderr.write(lines.join('\n') + '\n');
    this.drawn = lines.length;
  }

  private clear(): void {
    if (this.tty && this.drawn > 0) process.stderr.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  /** `trials 3/12 done, best mAP_0.5:0.95=0.4312, about 2m10s left` */
  summary(): string {
    const { done, budget, best } = this.progress;
    const parts = [`trials ${done}/${budget} done`];
    if (this.progress.front !== undefined) parts.push(`Pareto front ${this.progress.front} trial${this.progress.front === 1 ? '' : 's'}`);
    else if (best !== undefined) parts.push(`best ${this.metricName()}=${fmt(best)}`);
    const ranHere = done - (this.doneAtStart ?? done);
    if (ranHere > 0 && done < budget) parts.push(`about ${formatEta(((Date.now() - this.startedAt) / ranHere) * (budget - done))} left`);
    return parts.join(', ');
  }

  private metricName(metric = this.config.objective.metric): string {
    return metric.split('/').pop() ?? metric;
  }

  /** `mAP_0.5:0.95=0.4312`, or one such pair per objective (several objectives). */
  private values(trial: TrialRecord): string {
    const objectives = this.config.objectives ?? [this.config.objective];
    if (trial.values && objectives.length > 1) return objectives.map((o, i) => `${this.metricName(o.metric)}=${fmt(trial.values![i])}`).join(' ');
    return `${this.metricName()}=${fmt(trial.value ?? trial.intermediate.at(-1)?.value)}`;
  }

  private params(trial: TrialRecord): string {
    return Object.entries(trial.params)
      .map(([k, v]) => `${k.split('/').pop()}=${formatValue(v)}`)
      .join(' ');
  }
}

/** `45s`, `3m05s`, `2h10m` */
export function formatEta(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function fmt(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(4);
}
