import { performance } from 'node:perf_hooks';
import {
  isFinal,
  isStoreFaultCode,
  systemClock,
  toErrorInfo,
  TrialFailedError,
  type Clock,
  type Ending,
  type Pruner,
  type Strategy,
  type Task,
  type TaskStore,
} from '../core/index.ts';
import type { Executor, ExecutorEvents, StopEnding, TrialOutcome } from './executor.ts';
import { trialName } from './naming.ts';
import { rankStudy } from './ranking.ts';
import {
  epochsOf,
  getController,
  loadTrials,
  loadWarmStart,
  objectivesOf,
  studyDirections,
  trialResult,
  type ControllerConfig,
  type TrialConfig,
  type TrialRecord,
} from './study-state.ts';
import { StudyEventQueue } from './event-queue.ts';
import { Study, studySeed, type StudyTrial } from './study.ts';
import { missingMetricMessage } from './metric-check.ts';
import { cloneInput } from '../store/new-task.ts';

/** Controller steps timed by `StudyDeps.profile`; `submit` is the executor's part of `launch`. */
export type ProfileStep = 'launch' | 'submit' | 'report' | 'finish' | 'check';

/** What the terminal (or a log) hears while a study runs. */
export type StudyEvent =
  | { type: 'trial-started'; trial: TrialRecord }
  | { type: 'trial-reported'; trial: TrialRecord; step: number; value?: number }
  | { type: 'trial-pruned'; trial: TrialRecord; step: number; reason: string }
  | { type: 'trial-finished'; trial: TrialRecord; outcome: TrialOutcome }
  /** `best`: the first objective's best feasible value; `front`: with several objectives, the Pareto front's size. */
  | { type: 'progress'; done: number; budget: number; running: number; best?: number; front?: number }
  | { type: 'warning'; message: string };

export interface StudyDeps {
  store: TaskStore;
  /** Built by the caller around `events` (see runStudy); `template` is the task every trial clones. */
  makeExecutor: (events: ExecutorEvents, template: Task) => Executor | Promise<Executor>;
  strategy: Strategy;
  pruner: Pruner;
  clock?: Clock;
  onEvent?: (event: StudyEvent) => void;
  /** Milliseconds between checks of stop requests and deadlines when nothing happens. */
  tickMs?: number;
  /**
   * Detaches when aborted (an agent shutting down): the loop returns at once and leaves the
   * controller and its trials as they are, for another process to resume.
   */
  signal?: AbortSignal;
  /** Aborted with a StopEnding (a first Ctrl-C): launch nothing more, stop trials at their epoch boundary. */
  stop?: AbortSignal;
  /** Aborted with a StopEnding (a second Ctrl-C): kill running trials now and record that ending. */
  kill?: AbortSignal;
  /** The lease the caller holds on the controller: renewed every tick, released at the end. */
  lease?: { owner: string; ttlMs: number };
  /** Receives the time of each controller step (bench:overhead measures the loop's own cost). */
  profile?: (step: ProfileStep, ms: number) => void;
}

export interface StudyOutcome {
  controller: Task;
  trials: TrialRecord[];
  /** How the study ended (the controller's ending); `detached` runs have none. */
  ending?: Ending;
  /** True when `signal` ended the loop before the study did. */
  detached: boolean;
}

interface Entry {
  trial: StudyTrial;
  task: Task;
  epochs: number;
}

/**
 * Runs (or resumes) the study of a controller task: a loop over the Study engine with the store
 * and an executor for I/O. All state comes from the store, so a killed controller resumes where
 * it was: finished trials are kept, trials whose process died with it are marked interrupted
 * (they do not count), new trials fill the budget. The caller holds the controller's lease.
 */
export async function runStudy(controllerId: string, deps: StudyDeps): Promise<StudyOutcome> {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;
  let controller = await getController(store, controllerId);
  const { study: config, templateId } = controller.config as ControllerConfig;
  const template = await store.get(templateId);
  const warmStart = config.warmStart ? await loadWarmStart(store, config.warmStart, config) : [];
  const wake = AbortSignal.any([deps.signal, deps.stop, deps.kill].filter((s): s is AbortSignal => s !== undefined));
  const queue = new StudyEventQueue(wake);
  const executor = await deps.makeExecutor(queue.handlers(), template);
  const emit = deps.onEvent ?? (() => {});
  const { metric } = config.objective;

  if (controller.status !== 'running') controller = await reopen(store, controller);
  // A stop request left by a process that died mid-stop must not end the resumed study at once.
  if (controller.stopRequest) controller = await store.update(controllerId, { stopRequest: null });
  const records = await loadTrials(store, controllerId, config);
  for (const record of records.filter((t) => !isFinal(t.task.status))) {
    if (await executor.isAlive(record.task)) continue;
    const reason = 'interrupted: its controller stopped before it finished';
    record.task = await store.setStatus(record.id, 'stopped', { reason, ending: { kind: 'interrupted', reason }, expect: ['draft', 'queued', 'running'] });
    Object.assign(record, { state: 'failed', ending: record.task.ending });
  }
  const directions = studyDirections(config);
  const study = new Study({
    space: config.space,
    direction: directions[0],
    ...(directions.length > 1 ? { directions } : {}),
    strategy: deps.strategy,
    pruner: deps.pruner,
    seed: studySeed(config.strategy.seed, config.seed),
    maxTrials: config.budget.maxTrials,
    minEpochs: config.budget.minEpochs,
    history: records,
    warmStart,
    enqueue: config.enqueue,
  });
  const entries = new Map<string, Entry>();
  for (const trial of study.trials) {
    const record = records.find((r) => r.id === trial.id)!;
    entries.set(trial.id, { trial, task: record.task, epochs: record.epochs });
  }
  const deadline = config.budget.totalTime ? (controller.startedAt ?? clock.now()) + config.budget.totalTime : Infinity;
  const capacity = Math.min(config.budget.concurrency, executor.capacity);
  /** Set when the study ends other than by its budget: a stop, a kill, a fatal error. */
  let ended: { status: 'stopped' | 'failed'; ending: Ending } | undefined;
  let timeUp = false;
  const warned = new Set<string>();
  const warnOnce = (key: string, message: string): void => {
    if (warned.has(key)) return;
    warned.add(key);
    emit({ type: 'warning', message });
  };
  const progress = (): void => {
    const done = study.trials.filter((t) => t.ending && t.ending.kind !== 'interrupted' && t.ending.kind !== 'stopped').length;
    const front = directions.length > 1 ? { front: study.paretoFront().length } : {};
    emit({ type: 'progress', done, budget: config.budget.maxTrials, running: study.running().length, best: study.best()?.value, ...front });
  };

  const timed = async <T>(step: ProfileStep, fn: () => Promise<T>): Promise<T> => {
    if (!deps.profile) return fn();
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      deps.profile(step, performance.now() - t0);
    }
  };
  const stopAll = async (ending: StopEnding, how: 'stop' | 'kill' = 'stop'): Promise<void> => {
    study.stop(ending.reason);
    for (const { trial } of entries.values()) {
      if (trial.state !== 'running') continue;
      if (how === 'stop') await store.requestStop(trial.id, ending.reason, { kind: ending.kind });
      await executor[how](trial.id, ending);
    }
  };

  const launch = async (): Promise<boolean> => {
    const trial = study.ask();
    if (!trial) return false;
    const params = { ...template.params, ...trial.params };
    if (config.budget.maxEpochs !== undefined && 'args/epochs' in template.params) params['args/epochs'] = config.budget.maxEpochs;
    const tags = [`trial:${trial.number}`, ...(trial.enqueued ? ['enqueued'] : [])];
    // A clone of the template read at start (no store read per trial).
    const task = await store.create({
      ...cloneInput(template, { name: trialName(template.name, trial.params), params, parent: controllerId, project: config.project, tags, status: 'queued' }),
      type: 'training',
      ...(trial.note ? { config: { strategy: trial.note } satisfies TrialConfig } : {}),
    });
    trial.id = task.id;
    const entry: Entry = { trial, task, epochs: 0 };
    entries.set(task.id, entry);
    await timed('submit', () => executor.submit(task));
    emit({ type: 'trial-started', trial: recordOf(entry) });
    return true;
  };

  const onReport = async (entry: Entry, step: number, scalars: Record<string, number>): Promise<void> => {
    const { trial } = entry;
    entry.epochs = Math.max(entry.epochs, step + 1);
    const value = scalars[metric];
    if (value === undefined) {
      warnOnce('metric', `trial ${trial.id} reported no "${metric}" (it reported: ${Object.keys(scalars).join(', ')}). Check objective.metric.`);
    } else trial.report(step, value);
    emit({ type: 'trial-reported', trial: recordOf(entry), step, value });
    if (value === undefined || ended) return;
    const reason = study.prune(trial);
    if (reason === undefined) return;
    // The store request reaches the trial wherever it runs; the executor's stop is the fast path.
    await store.requestStop(trial.id, reason, { kind: 'pruned' });
    await executor.stop(trial.id, { kind: 'pruned', reason });
    emit({ type: 'trial-pruned', trial: recordOf(entry), step, reason });
  };

  const onFinished = async (entry: Entry, outcome: TrialOutcome): Promise<void> => {
    const { trial } = entry;
    const scalars = await store.getScalars(trial.id);
    const series = scalars[metric] ?? [];
    // The store's series is the authority (reports may have been missed over IPC or a queue).
    trial.intermediate.splice(0, trial.intermediate.length, ...series);
    const completed = outcome.ending.kind === 'completed';
    const result = trialResult(scalars, config);
    if (completed && result.constraints) trial.setConstraints(result.constraints);
    study.tell(trial, completed ? (result.values ?? result.value) : outcome.ending);
    entry.epochs = epochsOf(scalars);
    const stored = { objective: trial.value ?? trial.intermediate.at(-1)?.value ?? null, epochs: entry.epochs, ...(completed ? { values: result.values, constraints: result.constraints } : {}) };
    entry.task = await store.update(trial.id, { result: stored });
    for (const c of config.constraints ?? []) {
      if (completed && !scalars[c.metric]?.length) warnOnce(`constraint:${c.metric}`, `trial ${trial.id} reported no "${c.metric}" (a constraint's metric): it counts as infeasible. Check constraints[].metric.`);
    }
    // A trial that could not write a store leaves its slot for a resume; the next trial would meet the same fault.
    if (outcome.ending.kind === 'interrupted' && isStoreFaultCode(entry.task.error?.code) && !ended) {
      ended = { status: 'stopped', ending: { kind: 'interrupted', reason: `trial ${trial.id} could not write a store: ${outcome.ending.reason}` } };
      await stopAll({ kind: 'stopped', reason: 'study stopped: a store cannot be written' });
    }
    const missing = objectivesOf(config).find((o) => !scalars[o.metric]?.length)?.metric;
    if (completed && missing !== undefined && !ended) {
      const message = missingMetricMessage(missing, trial.id, Object.keys(scalars));
      ended = { status: 'failed', ending: { kind: 'failed', reason: message } };
      await stopAll({ kind: 'stopped', reason: 'study stopped: the objective metric is missing' });
    }
    // One value (or none) per trial leaves a pruner nothing to compare before the end.
    if (completed && series.length === 1 && deps.pruner.name !== 'none') {
      warnOnce('pruner', `pruner "${deps.pruner.name}" has nothing to act on: trial ${trial.id} reported 1 "${metric}" value, not one per epoch; the study runs without pruning.`);
    }
    emit({ type: 'trial-finished', trial: recordOf(entry), outcome });
    progress();
  };

  const checkStop = async (): Promise<void> => {
    if (deps.lease) await store.renewLease(controllerId, deps.lease.owner, deps.lease.ttlMs);
    const request = (await store.get(controllerId)).stopRequest;
    if (request && !ended) {
      const kind = request.kind === 'interrupted' ? 'interrupted' : 'stopped';
      ended = { status: 'stopped', ending: { kind, reason: `study stopped: ${request.reason}` } };
      await stopAll({ kind: 'stopped', reason: ended.ending.reason });
    } else if (clock.now() >= deadline && !timeUp && !ended) {
      timeUp = true;
      await stopAll({ kind: 'stopped', reason: 'study time budget used up' });
    }
    // A trial stopped by hand (`hpo stop <trial>`) gets the executor's grace-then-kill too.
    for (const { trial } of entries.values()) {
      if (trial.state !== 'running') continue;
      const trialRequest = (await store.get(trial.id)).stopRequest;
      if (trialRequest) await executor.stop(trial.id, { kind: trialRequest.kind ?? 'stopped', reason: trialRequest.reason });
    }
  };
  const onSignal = async (signal: AbortSignal | undefined, how: 'stop' | 'kill'): Promise<void> => {
    if (!signal?.aborted) return;
    const ending = signal.reason as StopEnding;
    if (how === 'kill' || !ended) ended = { status: 'stopped', ending: { kind: 'interrupted', reason: ending.reason } };
    await stopAll(how === 'kill' ? ending : { kind: 'stopped', reason: `study stopped: ${ending.reason}` }, how);
  };

  const tickMs = deps.tickMs ?? 1000;
  let lastCheck = Number.NEGATIVE_INFINITY;
  let stopSeen = false;
  let killSeen = false;
  progress();
  try {
    for (;;) {
      if (deps.signal?.aborted) break;
      if (!stopSeen && deps.stop?.aborted) await onSignal(deps.stop, 'stop'), (stopSeen = true);
      if (!killSeen && deps.kill?.aborted) await onSignal(deps.kill, 'kill'), (killSeen = true);
      // Stop requests, the deadline and the lease are looked at once per tick, not per event.
      if (clock.now() - lastCheck >= tickMs) {
        lastCheck = clock.now();
        await timed('check', checkStop);
      }
      while (study.running().length < capacity && (await timed('launch', launch)));
      if (study.running().length === 0) break;
      const event = await queue.next(tickMs);
      const entry = event && entries.get(event.taskId);
      if (!event || !entry) continue;
      if (event.type === 'reported') await timed('report', () => onReport(entry, event.step, event.scalars));
      else if (event.type === 'finished') await timed('finish', () => onFinished(entry, event.outcome));
    }
  } finally {
    await executor.close();
  }

  const trials = [...entries.values()].map(recordOf);
  const { ranked, places } = rankStudy(trials, directions);
  if (deps.signal?.aborted) {
    // Handed on: the next process (another agent) may take the lease at once.
    if (deps.lease) await store.releaseLease(controllerId, deps.lease.owner);
    return { controller: await store.get(controllerId), trials: ranked, detached: true };
  }
  if (!ended && study.allFailed()) ended = { status: 'failed', ending: { kind: 'failed', reason: failureSummary(study) } };
  const best = study.best();
  const summary = {
    best: best ? { taskId: best.id, value: best.value, ...(best.values ? { values: best.values } : {}), params: best.params } : null,
    top: ranked.slice(0, 10).map((t) => ({
      taskId: t.id,
      state: t.state,
      value: t.value ?? null,
      ...(t.values ? { values: t.values } : {}),
      ...(t.constraints ? { feasible: places.get(t)!.feasible } : {}),
      params: t.params,
    })),
    // Several objectives: the study's result is the front (feasible, non-dominated complete trials).
    ...(directions.length > 1 ? { pareto: study.paretoFront().map((t) => ({ taskId: t.id, values: t.values, params: t.params })) } : {}),
    counts: countEndings(trials),
  };
  await store.update(controllerId, { result: summary });
  const status = ended?.status ?? 'completed';
  const reason = ended?.ending.reason ?? (timeUp ? 'study time budget used up' : study.endReason());
  const ending: Ending = ended?.ending ?? { kind: 'completed', reason: reason ?? 'completed' };
  const error = status === 'failed' ? toErrorInfo(new TrialFailedError(ending.reason)) : undefined;
  controller = await store.setStatus(controllerId, status, { reason, ending, error });
  if (deps.lease) await store.releaseLease(controllerId, deps.lease.owner);
  return { controller, trials: ranked, ending, detached: false };
}

function recordOf({ trial, task, epochs }: Entry): TrialRecord {
  const { number, id, params, state, value, values, constraints, intermediate, ending, note } = trial;
  return { number, id, params, state, value, values, constraints, intermediate, ending, note, task, epochs };
}

async function reopen(store: TaskStore, controller: Task): Promise<Task> {
  if (controller.status !== 'queued') await store.setStatus(controller.id, 'queued');
  return store.setStatus(controller.id, 'running');
}

/** "all 5 trials failed; first errors: ..." for a study whose every counted trial failed. */
function failureSummary(study: Study): string {
  const failed = study.trials.filter((t) => t.state === 'failed' && t.ending);
  const first = [...new Set(failed.map((t) => t.ending!.reason))].slice(0, 3);
  return `all ${failed.length} trials failed; first errors: ${first.map((r) => `"${r}"`).join('; ')}. See \`hpo tasks show ${failed[0].id}\` for its log.`;
}

function countEndings(trials: TrialRecord[]): Record<string, number> {
  const counts: Record<string, number> = { complete: 0, pruned: 0, failed: 0, interrupted: 0, stopped: 0 };
  for (const t of trials) {
    const key = t.ending?.kind === 'interrupted' || t.ending?.kind === 'stopped' ? t.ending.kind : t.state;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
