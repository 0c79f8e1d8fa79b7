import { performance } from 'node:perf_hooks';
import {
  createRng,
  isFinal,
  systemClock,
  type Clock,
  type Pruner,
  type Strategy,
  type StudyView,
  type Task,
  type TaskStore,
} from '../core/index.ts';
import type { Executor, ExecutorEvents, TrialOutcome } from './executor.ts';
import { trialName } from './naming.ts';
import { rankStudy } from './pareto-ranking.ts';
import { isInterrupted, loadTrials, studyDirections, toTrialRecord, type ControllerConfig, type TrialConfig, type TrialRecord } from './study-state.ts';
import { StudyEventQueue } from './event-queue.ts';
import { cloneInput } from '../store/new-task.ts';

/** Controller steps timed by `StudyDeps.profile`; `submit` is the executor's part of `launch`. */
export type ProfileStep = 'launch' | 'submit' | 'report' | 'finish' | 'check';

/** What the terminal (or a log) hears while a study runs. */
export type StudyEvent =
  | { type: 'trial-started'; trial: TrialRecord }
  | { type: 'trial-reported'; trial: TrialRecord; step: number; value?: number }
  | { type: 'trial-pruned'; trial: TrialRecord; step: number; reason: string }
  | { type: 'trial-finished'; trial: TrialRecord; outcome: TrialOutcome }
  | { type: 'warning'; message: string };

export interface StudyDeps {
  store: TaskStore;
  /** Built by the caller around `events` (see runStudy). */
  makeExecutor: (events: ExecutorEvents) => Executor | Promise<Executor>;
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
  /** Receives the time of each controller step (bench:overhead measures the loop's own cost). */
  profile?: (step: ProfileStep, ms: number) => void;
}

export interface StudyOutcome {
  controller: Task;
  trials: TrialRecord[];
  /** True when `signal` ended the loop before the study did. */
  detached: boolean;
}

/**
 * Runs (or resumes) the study of a controller task to its budget. All state comes from the
 * store, so a killed controller resumes where it was: finished trials are kept, trials whose
 * process died with it are marked interrupted (they do not count), new trials fill the budget.
 */
export async function runStudy(controllerId: string, deps: StudyDeps): Promise<StudyOutcome> {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;
  let controller = await store.get(controllerId);
  const { study: config, templateId } = controller.config as ControllerConfig;
  const template = await store.get(templateId);
  const queue = new StudyEventQueue(deps.signal);
  const executor = await deps.makeExecutor(queue.handlers());
  const emit = deps.onEvent ?? (() => {});
  // A seed in the strategy's options wins over the study seed (`--seed` sets the study seed).
  const seed = config.strategy.seed ?? config.seed;

  if (controller.status !== 'running') controller = await reopen(store, controller);
  const trials = await loadTrials(store, controllerId, config);
  const byId = new Map(trials.map((t) => [t.id, t]));
  for (const trial of trials.filter((t) => !isFinal(t.task.status))) {
    if (await executor.isAlive(trial.task)) continue;
    await markInterrupted(store, trial);
  }
  const directions = studyDirections(config);
  const view: StudyView = { space: config.space, direction: directions[0], ...(directions.length > 1 ? { directions } : {}), trials };
  const budgeted = (): number => trials.filter((t) => !isInterrupted(t.task)).length;
  const running = (): TrialRecord[] => trials.filter((t) => t.state === 'running');
  const deadline = config.budget.totalTime ? (controller.startedAt ?? clock.now()) + config.budget.totalTime : Infinity;
  const capacity = Math.min(config.budget.concurrency, executor.capacity);
  let stopping: string | undefined;
  const pruned = new Set<string>();
  const warned = new Set<string>();
  const warnOnce = (key: string, message: string): void => {
    if (warned.has(key)) return;
    warned.add(key);
    emit({ type: 'warning', message });
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
  const launch = async (): Promise<void> => {
    const number = trials.length === 0 ? 0 : Math.max(...trials.map((t) => t.number)) + 1;
    const pending = running().map((t) => t.params);
    const ctx = { rng: createRng(seed, `trial:${number}`), seed, trialNumber: number, pending, budget: config.budget.maxTrials };
    // The note is computed on the same inputs before `ask` draws from ctx.rng (explain must not draw).
    const note = deps.strategy.explain?.(view, ctx);
    const searched = deps.strategy.ask(view, ctx);
    const params = { ...template.params, ...searched };
    if (config.budget.maxEpochs !== undefined && 'args/epochs' in template.params) params['args/epochs'] = config.budget.maxEpochs;
    // A clone of the template read at start (no store read per trial).
    const task = await store.create({
      ...cloneInput(template, { name: trialName(template.name, searched), params, parent: controllerId, project: config.project, tags: [`trial:${number}`], status: 'queued' }),
      type: 'training',
      ...(note ? { config: { strategy: note } satisfies TrialConfig } : {}),
    });
    const trial = toTrialRecord(task, number, {}, config.space, config.objective, config);
    trials.push(trial);
    byId.set(task.id, trial);
    await timed('submit', () => executor.submit(task));
    emit({ type: 'trial-started', trial });
  };

  const onReport = async (trial: TrialRecord, step: number, scalars: Record<string, number>): Promise<void> => {
    trial.epochs = Math.max(trial.epochs, step + 1);
    const value = scalars[config.objective.metric];
    if (value === undefined) {
      warnOnce('metric', `trial ${trial.id} reported no "${config.objective.metric}" (it reported: ${Object.keys(scalars).join(', ')}). Check objective.metric.`);
    } else (trial.intermediate as { step: number; value: number }[]).push({ step, value });
    emit({ type: 'trial-reported', trial, step, value });
    if (value === undefined || trial.state !== 'running' || step + 1 < config.budget.minEpochs) return;
    const verdict = deps.pruner.shouldPrune(view, trial);
    if (verdict.prune && !pruned.has(trial.id)) {
      pruned.add(trial.id);
      // The reason becomes the trial's status reason; `pruned` at its start is what marks it pruned.
      const reason = verdict.reason.startsWith('pruned') ? verdict.reason : `pruned: ${verdict.reason}`;
      // The store request reaches the trial wherever it runs; the executor's stop is the fast path.
      await store.requestStop(trial.id, reason);
      await executor.stop(trial.id, reason);
      emit({ type: 'trial-pruned', trial, step, reason: verdict.reason });
    }
  };

  const onFinished = async (trial: TrialRecord, outcome: TrialOutcome): Promise<void> => {
    const scalars = await store.getScalars(trial.id);
    // The outcome's status is the store's; the result write returns the final record.
    const ended = toTrialRecord({ ...trial.task, status: outcome.status, statusReason: outcome.reason }, trial.number, scalars, config.space, config.objective, config);
    const result = { objective: ended.value ?? ended.intermediate.at(-1)?.value ?? null, epochs: ended.epochs, ...(ended.values ? { values: ended.values } : {}), ...(ended.constraints ? { constraints: ended.constraints } : {}) };
    const task = await store.update(trial.id, { result });
    Object.assign(trial, toTrialRecord(task, trial.number, scalars, config.space, config.objective, config));
    // One value (or none) per trial leaves a pruner nothing to compare before the end.
    if (trial.intermediate.length <= 1 && deps.pruner.name !== 'none' && task.status === 'completed') {
      warnOnce('pruner', `pruner "${deps.pruner.name}" has nothing to act on: trial ${trial.id} reported ${trial.intermediate.length} "${config.objective.metric}" value(s), not one per epoch; the study runs without pruning.`);
    }
    emit({ type: 'trial-finished', trial, outcome });
  };

  const checkStop = async (): Promise<void> => {
    const stopRequest = (await store.get(controllerId)).stopRequest;
    if (stopRequest) stopping = `study stopped: ${stopRequest.reason}`;
    else if (clock.now() >= deadline) stopping = 'study time budget used up';
    if (stopping) {
      for (const t of running()) {
        await store.requestStop(t.id, stopping);
        await executor.stop(t.id, stopping);
      }
      return;
    }
    // A trial stopped by hand (`hpo stop <trial>`) gets the executor's grace-then-kill too.
    for (const t of running()) {
      const request = (await store.get(t.id)).stopRequest;
      if (request) await executor.stop(t.id, request.reason);
    }
  };

  const tickMs = deps.tickMs ?? 1000;
  let lastCheck = Number.NEGATIVE_INFINITY;
  try {
    for (;;) {
      if (deps.signal?.aborted) break;
      // Stop requests and the deadline are polled at most once per tick, not per event.
      if (!stopping && clock.now() - lastCheck >= tickMs) {
        lastCheck = clock.now();
        await timed('check', checkStop);
      }
      while (!stopping && running().length < capacity && budgeted() < config.budget.maxTrials) await timed('launch', launch);
      if (running().length === 0) break;
      const event = await queue.next(tickMs);
      if (!event) continue;
      const trial = byId.get(event.taskId);
      if (!trial) continue;
      if (event.type === 'reported') await timed('report', () => onReport(trial, event.step, event.scalars));
      else if (event.type === 'finished') await timed('finish', () => onFinished(trial, event.outcome));
    }
  } finally {
    await executor.close();
  }

  const { ranked, places } = rankStudy(trials, directions);
  if (deps.signal?.aborted) return { controller: await store.get(controllerId), trials: ranked, detached: true };
  const best = ranked.find((t) => t.state === 'complete' && Number.isFinite(t.value) && (places.get(t)?.feasible ?? true));
  const summary = {
    best: best ? { taskId: best.id, value: best.value, params: best.params } : null,
    top: ranked.slice(0, 10).map((t) => ({ taskId: t.id, state: t.state, value: t.value ?? null, ...(t.values ? { values: t.values } : {}), params: t.params })),
    // Several objectives: the result is the front (feasible, non-dominated complete trials).
    ...(directions.length > 1 ? { pareto: ranked.filter((t) => places.get(t)?.front === 0).map((t) => ({ taskId: t.id, values: t.values, params: t.params })) } : {}),
    counts: countStates(trials),
  };
  await store.update(controllerId, { result: summary });
  const status = stopping?.startsWith('study stopped') ? 'stopped' : 'completed';
  controller = await store.setStatus(controllerId, status, { reason: stopping });
  return { controller, trials: ranked, detached: false };
}

async function reopen(store: TaskStore, controller: Task): Promise<Task> {
  if (controller.status === 'completed') return controller;
  if (controller.status !== 'queued') await store.setStatus(controller.id, 'queued');
  return store.setStatus(controller.id, 'running');
}

async function markInterrupted(store: TaskStore, trial: TrialRecord): Promise<void> {
  const to = trial.task.status === 'draft' ? 'stopped' : 'failed';
  trial.task = await store.setStatus(trial.id, to, {
    reason: 'interrupted: its controller stopped before it finished',
    expect: ['draft', 'queued', 'running'],
  });
  trial.state = 'failed';
}

function countStates(trials: TrialRecord[]): Record<string, number> {
  const counts: Record<string, number> = { complete: 0, pruned: 0, failed: 0, interrupted: 0 };
  for (const t of trials) counts[isInterrupted(t.task) ? 'interrupted' : t.state] = (counts[isInterrupted(t.task) ? 'interrupted' : t.state] ?? 0) + 1;
  return counts;
}
