import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TRANSITIONS, type ArtifactRef, type Clock, type NewTask, type TaskStatus, type TaskStore } from '../../src/core/index.ts';

/** A clock the suite moves by hand, so timestamps can be asserted exactly. */
export class FakeClock implements Clock {
  constructor(public time = 1_700_000_000_000) {}
  now(): number {
    return this.time;
  }
  tick(ms = 1): number {
    return (this.time += ms);
  }
}

export interface ConformanceSubject {
  store: TaskStore;
  cleanup(): Promise<void>;
  /** False when the backend stamps times itself and ignores the injected clock. Default true. */
  usesClock?: boolean;
}

const STATUSES = Object.keys(TRANSITIONS) as TaskStatus[];
/** A legal route from a new draft to each status. */
const ROUTE: Record<TaskStatus, TaskStatus[]> = {
  draft: [],
  queued: ['queued'],
  running: ['queued', 'running'],
  completed: ['queued', 'running', 'completed'],
  failed: ['queued', 'failed'],
  stopped: ['stopped'],
};
const BAD_IDS = ['../x', 'a/b', '..', '', '.', '../../etc/passwd', 'a b', 'x'.repeat(65)];

/** An artifact reference as the artifact store hands it back (the task store keeps only these). */
function ref(name: string, size = 1, sha256 = 'a'.repeat(64)): ArtifactRef {
  return { name, size, sha256, store: 'file:///artifacts', key: `tasks/t/${name}`, location: `file:///artifacts/tasks/t/${name}`, createdAt: 1 };
}

function training(overrides: Partial<NewTask> = {}): NewTask {
  return { name: 'yolo-base', project: 'coco128', type: 'training', trainer: { type: 'yolov5', weights: 'yolov5n' }, params: { 'hyp/lr0': 0.01, 'args/epochs': 3, 'hyp/fliplr': 0.5 }, ...overrides };
}

/**
 * The TaskStore contract. Every backend runs this block unchanged; it uses only the TaskStore
 * interface. `makeStore` gets a fake clock, which a backend should pass to its store.
 */
export function runTaskStoreConformance(name: string, makeStore: (ctx: { clock: FakeClock }) => Promise<ConformanceSubject>): void {
  describe(`TaskStore conformance: ${name}`, () => {
    let store: TaskStore;
    let clock: FakeClock;
    let subject: ConformanceSubject;
    const at = (t: number): unknown => (subject.usesClock === false ? expect.any(Number) : t);

    beforeEach(async () => {
      clock = new FakeClock();
      subject = await makeStore({ clock });
      store = subject.store;
    });
    afterEach(async () => {
      await store.close();
      await subject.cleanup();
    });

    it('create then get returns the same record, with id, status and timestamps filled', async () => {
      const env = { node: 'v20', packages: { zod: '4' }, host: 'h', platform: 'linux-x64', cpus: { model: 'cpu', count: 2 } };
      const created = await store.create(training({ tags: ['a', 'b'], parent: 'ctrl_1', config: { nested: [1, { x: 'y' }] }, status: 'queued', environment: env }));
      expect(created).toMatchObject({ name: 'yolo-base', project: 'coco128', type: 'training', status: 'queued', tags: ['a', 'b'], parent: 'ctrl_1', artifacts: {} });
      expect(created.createdAt).toEqual(at(clock.time));
      expect(created.updatedAt).toBe(created.createdAt);
      expect(await store.get(created.id)).toEqual(created);
      const plain = await store.create(training());
      expect(plain).toMatchObject({ status: 'draft', tags: [] });
      expect(plain.parent).toBeUndefined();
      expect(plain.startedAt).toBeUndefined();
    });

    it('returns copies: mutating a returned task changes nothing stored', async () => {
      const task = await store.create(training());
      task.params['hyp/lr0'] = 99;
      task.tags.push('x');
      expect((await store.get(task.id)).params['hyp/lr0']).toBe(0.01);
      expect((await store.get(task.id)).tags).toEqual([]);
    });

    it('gives unique, well-formed ids to tasks created at once', async () => {
      const tasks = await Promise.all(Array.from({ length: 40 }, () => store.create(training())));
      const ids = new Set(tasks.map((t) => t.id));
      expect(ids.size).toBe(40);
      for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      expect((await store.list()).length).toBe(40);
    });

    it('reports a missing task with TASK_NOT_FOUND naming the store, from every method', async () => {
      const missing = 'nosuchtask0001';
      await expect(store.get(missing)).rejects.toMatchObject({ code: 'TASK_NOT_FOUND', name: 'TaskNotFoundError' });
      await expect(store.get(missing)).rejects.toThrow(store.location);
      const calls: Array<() => Promise<unknown>> = [
        () => store.clone(missing),
        () => store.setStatus(missing, 'queued'),
        () => store.update(missing, { name: 'x' }),
        () => store.appendScalars(missing, 0, { a: 1 }),
        () => store.getScalars(missing),
        () => store.appendLog(missing, 'x'),
        () => store.readLog(missing),
        () => store.recordArtifact(missing, ref('a.bin')),
        () => store.forgetArtifacts(missing, 'why'),
        () => store.requestStop(missing, 'why'),
      ];
      for (const call of calls) await expect(call()).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });
      expect(await store.list()).toEqual([]);
    });

    it('rejects ids that could escape the store with TASK_ID_INVALID and writes nothing', async () => {
      const real = await store.create(training());
      for (const bad of BAD_IDS) {
        const calls: Array<() => Promise<unknown>> = [
          () => store.get(bad),
          () => store.clone(bad),
          () => store.clone(real.id, { parent: bad }),
          () => store.create(training({ parent: bad })),
          () => store.setStatus(bad, 'queued'),
          () => store.update(bad, { name: 'x' }),
          () => store.appendScalars(bad, 0, { a: 1 }),
          () => store.getScalars(bad),
          () => store.appendLog(bad, 'x'),
          () => store.readLog(bad),
          () => store.recordArtifact(bad, ref('a.bin')),
          () => store.forgetArtifacts(bad, 'why'),
          () => store.requestStop(bad, 'why'),
        ];
        for (const call of calls) await expect(call(), `id ${JSON.stringify(bad)}`).rejects.toMatchObject({ code: 'TASK_ID_INVALID' });
      }
      expect((await store.list()).map((t) => t.id)).toEqual([real.id]);
      expect(await store.get(real.id)).toEqual(real);
    });

    it('rejects artifact names that could leave the task; keeps relative paths such as plots/labels.jpg', async () => {
      const task = await store.create(training());
      for (const bad of ['../x', 'a/../../b', 'a//b', 'a/', '..', '.', '', '/etc/passwd', 'a/b/c/d/e', 'a b']) {
        await expect(store.recordArtifact(task.id, ref(bad)), `name ${JSON.stringify(bad)}`).rejects.toMatchObject({ code: 'ARTIFACT_NAME_INVALID' });
      }
      expect((await store.get(task.id)).artifacts).toEqual({});
      await store.recordArtifact(task.id, ref('plots/labels.jpg', 3));
      await store.recordArtifact(task.id, ref('debug/epoch9/val_batch0_pred.jpg', 4));
      const { artifacts } = await store.get(task.id);
      expect(Object.keys(artifacts).sort()).toEqual(['debug/epoch9/val_batch0_pred.jpg', 'plots/labels.jpg']);
      expect(artifacts['plots/labels.jpg']).toEqual(ref('plots/labels.jpg', 3));
    });

    it('clones trainer, params, project and tags; applies overrides and parent; starts draft', async () => {
      const source = await store.create({ ...training({ tags: ['base'], config: { study: true } }), hpoVersion: '0.1.0' });
      await store.setStatus(source.id, 'queued');
      await store.setStatus(source.id, 'running');
      await store.appendScalars(source.id, 0, { 'metrics/mAP_0.5': 0.2 });
      await store.recordArtifact(source.id, ref('best.json'));
      await store.setStatus(source.id, 'completed');
      const controller = await store.create(training({ type: 'controller', name: 'study' }));
      clock.tick(5);
      const trial = await store.clone(source.id, { params: { 'hyp/lr0': 0.02, 'hyp/mosaic': 1 }, parent: controller.id, name: 'trial-0' });
      expect(trial).toMatchObject({ name: 'trial-0', project: 'coco128', type: 'training', status: 'draft', parent: controller.id, tags: ['base'], trainer: source.trainer, hpoVersion: '0.1.0', artifacts: {} });
      expect((await store.get(trial.id)).hpoVersion).toBe('0.1.0');
      expect(trial.params).toEqual({ 'hyp/lr0': 0.02, 'args/epochs': 3, 'hyp/fliplr': 0.5, 'hyp/mosaic': 1 });
      expect(trial.id).not.toBe(source.id);
      expect(trial.createdAt).toEqual(at(clock.time));
      expect(trial.startedAt).toBeUndefined();
      expect(await store.getScalars(trial.id)).toEqual({});
      const plain = await store.clone(source.id);
      expect(plain).toMatchObject({ name: 'yolo-base', status: 'draft', params: source.params });
      expect(plain.parent).toBeUndefined();
      const moved = await store.clone(source.id, { project: 'other', tags: [], status: 'queued' });
      expect(moved).toMatchObject({ project: 'other', tags: [], status: 'queued' });
      expect((await store.get(source.id)).params).toEqual(source.params);
    });

    it('lists in creation order and filters by project, parent, type and status', async () => {
      const ctrl = await store.create(training({ type: 'controller', project: 'p1' }));
      clock.tick();
      const a = await store.create(training({ project: 'p1', parent: ctrl.id }));
      clock.tick();
      const b = await store.create(training({ project: 'p1', parent: ctrl.id, status: 'queued' }));
      clock.tick();
      const c = await store.create(training({ project: 'p2' }));
      clock.tick();
      await store.setStatus(a.id, 'stopped');
      const ids = async (filter?: Parameters<TaskStore['list']>[0]) => (await store.list(filter)).map((t) => t.id);
      if (subject.usesClock !== false) expect(await ids()).toEqual([ctrl.id, a.id, b.id, c.id]);
      const all = await store.list();
      for (let i = 1; i < all.length; i++) {
        const [p, q] = [all[i - 1], all[i]];
        expect(p.createdAt < q.createdAt || (p.createdAt === q.createdAt && p.id < q.id)).toBe(true);
      }
      expect(await ids({ project: 'p1' })).toEqual(expect.arrayContaining([ctrl.id, a.id, b.id]));
      expect((await ids({ project: 'p1' })).length).toBe(3);
      expect((await ids({ parent: ctrl.id })).sort()).toEqual([a.id, b.id].sort());
      expect(await ids({ type: 'controller' })).toEqual([ctrl.id]);
      expect(await ids({ status: 'stopped' })).toEqual([a.id]);
      expect((await ids({ status: ['draft', 'queued'] })).sort()).toEqual([ctrl.id, b.id, c.id].sort());
      expect(await ids({ project: 'p1', parent: ctrl.id, status: 'queued' })).toEqual([b.id]);
      expect(await ids({ project: 'nope' })).toEqual([]);
    });

    it('breaks ties in creation time by id', async () => {
      const tasks = await Promise.all(Array.from({ length: 8 }, () => store.create(training())));
      if (subject.usesClock === false) return;
      expect((await store.list()).map((t) => t.id)).toEqual(tasks.map((t) => t.id).sort());
    });

    describe('status transitions', () => {
      for (const from of STATUSES) {
        for (const to of STATUSES) {
          const legal = TRANSITIONS[from].includes(to);
          it(`${from} -> ${to} is ${legal ? 'allowed' : 'refused'}`, async () => {
            const task = await store.create(training());
            for (const step of ROUTE[from]) await store.setStatus(task.id, step);
            expect((await store.get(task.id)).status).toBe(from);
            if (legal) {
              expect((await store.setStatus(task.id, to)).status).toBe(to);
            } else {
              await expect(store.setStatus(task.id, to)).rejects.toMatchObject({ code: 'TASK_ILLEGAL_TRANSITION', name: 'IllegalTransitionError' });
            }
            expect((await store.get(task.id)).status).toBe(legal ? to : from);
          });
        }
      }

      it('refuses a status that does not exist', async () => {
        const task = await store.create(training());
        await expect(store.setStatus(task.id, 'paused' as TaskStatus)).rejects.toMatchObject({ code: 'TASK_ILLEGAL_TRANSITION' });
        expect((await store.get(task.id)).status).toBe('draft');
      });
    });

    it('compare-and-set: expect must hold, else TASK_ILLEGAL_TRANSITION and nothing changes', async () => {
      const task = await store.create(training({ status: 'queued' }));
      await expect(store.setStatus(task.id, 'running', { expect: ['draft'] })).rejects.toMatchObject({ code: 'TASK_ILLEGAL_TRANSITION' });
      expect((await store.get(task.id)).status).toBe('queued');
      expect((await store.setStatus(task.id, 'running', { expect: ['draft', 'queued'] })).status).toBe('running');
      await expect(store.setStatus(task.id, 'running', { expect: ['queued'] })).rejects.toMatchObject({ code: 'TASK_ILLEGAL_TRANSITION' });
      // A legal move still fails when the expectation is wrong.
      await expect(store.setStatus(task.id, 'completed', { expect: ['queued'] })).rejects.toMatchObject({ code: 'TASK_ILLEGAL_TRANSITION' });
      expect((await store.get(task.id)).status).toBe('running');
    });

    it('stamps times from the clock and records reason and error of the latest move', async () => {
      const t0 = clock.time;
      const task = await store.create(training());
      const queued = await store.setStatus(task.id, 'queued', { reason: 'enqueued by test' });
      expect(queued).toMatchObject({ createdAt: at(t0), statusReason: 'enqueued by test' });
      expect(queued.startedAt).toBeUndefined();
      const t1 = clock.tick(100);
      const running = await store.setStatus(task.id, 'running');
      expect(running).toMatchObject({ startedAt: at(t1), updatedAt: at(t1), createdAt: at(t0) });
      expect(running.statusReason).toBeUndefined();
      const t2 = clock.tick(250);
      const error = { name: 'TrialFailedError', code: 'TRIAL_FAILED', message: 'loss is NaN' };
      const failed = await store.setStatus(task.id, 'failed', { reason: 'nan', error });
      expect(failed).toMatchObject({ status: 'failed', finishedAt: at(t2), updatedAt: at(t2), startedAt: at(t1), statusReason: 'nan', error });
      if (subject.usesClock === false) {
        expect(failed.finishedAt!).toBeGreaterThanOrEqual(failed.startedAt!);
        expect(failed.startedAt!).toBeGreaterThanOrEqual(failed.createdAt);
      }
      await store.requestStop(task.id, 'user');
      const t3 = clock.tick(10);
      const reopened = await store.setStatus(task.id, 'queued', { reason: 'resume' });
      expect(reopened).toMatchObject({ status: 'queued', updatedAt: at(t3), statusReason: 'resume' });
      expect(reopened.finishedAt).toBeUndefined();
      expect(reopened.error).toBeUndefined();
      expect(reopened.stopRequest).toBeUndefined();
      expect(await store.get(task.id)).toEqual(reopened);
    });

    it('stores scalars and returns each series sorted by step, NaN kept, re-reports replaced', async () => {
      const task = await store.create(training());
      expect(await store.getScalars(task.id)).toEqual({});
      await store.appendScalars(task.id, 2, { 'metrics/mAP_0.5:0.95': 0.3, 'train/box_loss': 0.05 });
      await store.appendScalars(task.id, 0, { 'metrics/mAP_0.5:0.95': 0.1, 'train/box_loss': 0.09 });
      await store.appendScalars(task.id, 1, { 'metrics/mAP_0.5:0.95': 0.2 });
      await store.appendScalars(task.id, 3, { 'train/box_loss': Number.NaN, 'x/lr0': Number.POSITIVE_INFINITY });
      await store.appendScalars(task.id, 1, { 'metrics/mAP_0.5:0.95': 0.25 });
      const series = await store.getScalars(task.id);
      expect(series['metrics/mAP_0.5:0.95']).toEqual([{ step: 0, value: 0.1 }, { step: 1, value: 0.25 }, { step: 2, value: 0.3 }]);
      expect(series['train/box_loss'].map((p) => p.step)).toEqual([0, 2, 3]);
      expect(series['train/box_loss'][2].value).toBeNaN();
      expect(series['x/lr0']).toEqual([{ step: 3, value: Number.POSITIVE_INFINITY }]);
      await expect(store.appendScalars(task.id, Number.NaN, { a: 1 })).rejects.toMatchObject({ code: 'STORE_INPUT_INVALID' });
      await expect(store.appendScalars(task.id, 4, { a: '1' as unknown as number })).rejects.toMatchObject({ code: 'STORE_INPUT_INVALID' });
    });

    it('appends and reads the console log', async () => {
      const task = await store.create(training());
      expect(await store.readLog(task.id)).toBe('');
      await store.appendLog(task.id, 'epoch 0/3\n');
      await store.appendLog(task.id, 'mAP 0.41 ✓ ');
      await store.appendLog(task.id, 'done\n');
      expect(await store.readLog(task.id)).toBe('epoch 0/3\nmAP 0.41 ✓ done\n');
    });

    it('records artifact references (bytes live in the artifact store), replaces on rewrite, forgets with a reason', async () => {
      const task = await store.create(training());
      clock.tick(3);
      const recorded = await store.recordArtifact(task.id, ref('weights.best.bin', 4096, 'b'.repeat(64)));
      expect(recorded.artifacts['weights.best.bin']).toEqual(ref('weights.best.bin', 4096, 'b'.repeat(64)));
      expect(recorded.updatedAt).toEqual(at(clock.time));
      await store.recordArtifact(task.id, ref('summary.json', 20));
      await store.recordArtifact(task.id, ref('summary.json', 2, 'c'.repeat(64)));
      const stored = await store.get(task.id);
      expect(Object.keys(stored.artifacts).sort()).toEqual(['summary.json', 'weights.best.bin']);
      expect(stored.artifacts['summary.json']).toMatchObject({ size: 2, sha256: 'c'.repeat(64) });

      clock.tick(2);
      const forgot = await store.forgetArtifacts(task.id, 'retention: not in the top 3', ['weights.best.bin', 'never-stored.bin']);
      expect(Object.keys(forgot.artifacts)).toEqual(['summary.json']);
      expect(forgot.artifactsDeleted).toEqual({ at: at(clock.time), reason: 'retention: not in the top 3', names: ['weights.best.bin'] });
      await store.forgetArtifacts(task.id, 'deleted by hand');
      expect(await store.get(task.id)).toMatchObject({ artifacts: {}, artifactsDeleted: { reason: 'deleted by hand', names: ['summary.json', 'weights.best.bin'] } });
      // Nothing left to forget: no change, not even updatedAt.
      const before = await store.get(task.id);
      expect(await store.forgetArtifacts(task.id, 'again')).toEqual(before);
    });

    it('requestStop is idempotent and the first reason wins', async () => {
      const task = await store.create(training({ status: 'queued' }));
      await store.setStatus(task.id, 'running');
      const t = clock.tick(7);
      await store.requestStop(task.id, 'pruned at epoch 2');
      clock.tick(7);
      await store.requestStop(task.id, 'study stopped');
      expect((await store.get(task.id)).stopRequest).toEqual({ at: at(t), reason: 'pruned at epoch 2' });
      expect((await store.get(task.id)).status).toBe('running');
    });

    it('update patches only the given fields and refuses the others', async () => {
      const task = await store.create(training({ tags: ['x'] }));
      const t = clock.tick(9);
      const updated = await store.update(task.id, { name: 'renamed', result: { value: 0.42, best: [1, 2] }, heartbeatAt: t, tags: undefined });
      expect(updated).toMatchObject({ name: 'renamed', result: { value: 0.42, best: [1, 2] }, heartbeatAt: t, tags: ['x'], updatedAt: at(t), params: task.params, status: 'draft' });
      expect(await store.get(task.id)).toEqual(updated);
      await store.update(task.id, { tags: ['a'], config: { k: 1 } });
      expect(await store.get(task.id)).toMatchObject({ name: 'renamed', tags: ['a'], config: { k: 1 } });
      await expect(store.update(task.id, { status: 'running' } as never)).rejects.toMatchObject({ code: 'STORE_INPUT_INVALID' });
      expect((await store.get(task.id)).status).toBe('draft');
    });

    it('records a typed ending on every final move and drops it on a reopen', async () => {
      const task = await store.create(training({ status: 'queued' }));
      await store.setStatus(task.id, 'running');
      const pruned = await store.setStatus(task.id, 'stopped', { reason: 'pruned at epoch 3', ending: { kind: 'pruned', reason: 'pruned at epoch 3' } });
      expect(pruned).toMatchObject({ status: 'stopped', statusReason: 'pruned at epoch 3', ending: { kind: 'pruned', reason: 'pruned at epoch 3' } });
      expect((await store.get(task.id)).ending).toEqual({ kind: 'pruned', reason: 'pruned at epoch 3' });
      expect((await store.setStatus(task.id, 'queued')).ending).toBeUndefined();
      await store.setStatus(task.id, 'running');
      expect((await store.setStatus(task.id, 'failed', { reason: 'boom' })).ending).toEqual({ kind: 'failed', reason: 'boom' });
      const other = await store.create(training({ status: 'queued' }));
      await store.setStatus(other.id, 'running');
      expect((await store.setStatus(other.id, 'completed')).ending).toEqual({ kind: 'completed', reason: 'completed' });
    });

    it('a stop request carries its kind, and update can clear a stale one', async () => {
      const task = await store.create(training({ status: 'queued' }));
      const t = clock.tick(3);
      await store.requestStop(task.id, 'median pruner', { kind: 'pruned' });
      expect((await store.get(task.id)).stopRequest).toEqual({ at: at(t), reason: 'median pruner', kind: 'pruned' });
      await store.update(task.id, { stopRequest: null });
      expect((await store.get(task.id)).stopRequest).toBeUndefined();
      await expect(store.update(task.id, { stopRequest: { at: 1, reason: 'x' } } as never)).rejects.toMatchObject({ code: 'STORE_INPUT_INVALID' });
    });

    describe('controller leases', () => {
      const a = { owner: 'host-a pid 1', host: 'host-a', pid: 1, ttlMs: 1000 };
      const b = { owner: 'host-b pid 2', host: 'host-b', pid: 2, ttlMs: 1000 };

      it('one owner at a time: a held lease refuses others, naming the holder and expiry', async () => {
        const task = await store.create(training({ type: 'controller' }));
        const t = clock.time;
        const held = await store.acquireLease(task.id, a);
        expect(held.lease).toEqual({ owner: a.owner, host: 'host-a', pid: 1, acquiredAt: at(t), expiresAt: subject.usesClock === false ? expect.any(Number) : t + 1000 });
        const refused = await store.acquireLease(task.id, b).then(() => undefined, (e: unknown) => e);
        expect(refused).toMatchObject({ code: 'LEASE_HELD', name: 'LeaseHeldError', expired: false, lease: { owner: a.owner } });
        expect((refused as Error).message).toContain(`is being run by ${a.owner}`);
        // --force does not take a live lease.
        await expect(store.acquireLease(task.id, { ...b, force: true })).rejects.toMatchObject({ code: 'LEASE_HELD', expired: false });
        // Taking over a live lease needs force and the holder's name (its death seen by the caller).
        await expect(store.acquireLease(task.id, { ...b, force: true, takeFrom: 'someone else' })).rejects.toMatchObject({ code: 'LEASE_HELD' });
        expect((await store.acquireLease(task.id, { ...b, force: true, takeFrom: a.owner })).lease?.owner).toBe(b.owner);
        await expect(store.acquireLease(task.id, { ...a, force: true, takeFrom: a.owner })).rejects.toMatchObject({ code: 'LEASE_HELD' });
        await store.releaseLease(task.id, b.owner);
        // The holder may take it again (a restart of the same owner).
        await store.acquireLease(task.id, a);
        expect((await store.acquireLease(task.id, a)).lease?.owner).toBe(a.owner);
      });

      it('an expired lease needs force; renew extends it; a taken lease cannot be renewed', async () => {
        if (subject.usesClock === false) return;
        const task = await store.create(training({ type: 'controller' }));
        await store.acquireLease(task.id, a);
        clock.tick(600);
        expect((await store.renewLease(task.id, a.owner, 1000)).lease?.expiresAt).toBe(clock.time + 1000);
        clock.tick(1001);
        await expect(store.acquireLease(task.id, b)).rejects.toMatchObject({ code: 'LEASE_HELD', expired: true });
        const taken = await store.acquireLease(task.id, { ...b, force: true });
        expect(taken.lease).toMatchObject({ owner: b.owner, acquiredAt: clock.time });
        await expect(store.renewLease(task.id, a.owner, 1000)).rejects.toMatchObject({ code: 'LEASE_LOST', name: 'LeaseLostError' });
        await store.releaseLease(task.id, a.owner); // not a's any more: no-op
        expect((await store.get(task.id)).lease?.owner).toBe(b.owner);
        await store.releaseLease(task.id, b.owner);
        expect((await store.get(task.id)).lease).toBeUndefined();
        expect((await store.acquireLease(task.id, a)).lease?.owner).toBe(a.owner);
      });

      it('compare-and-set: of many processes racing for a free lease, exactly one wins', async () => {
        const task = await store.create(training({ type: 'controller' }));
        const race = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => store.acquireLease(task.id, { owner: `racer ${i}`, ttlMs: 60_000 })));
        const won = race.filter((r) => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const r of race) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'LEASE_HELD' });
        expect((await store.get(task.id)).lease?.owner).toBe((won[0] as PromiseFulfilledResult<{ lease?: { owner: string } }>).value.lease?.owner);
      });
    });

    it('keeps every write from concurrent writers', async () => {
      const task = await store.create(training({ status: 'queued' }));
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.appendScalars(task.id, i, { 'metrics/mAP_0.5': i / 100, 'train/box_loss': 1 - i / 100 })));
      const series = await store.getScalars(task.id);
      expect(series['metrics/mAP_0.5'].map((p) => p.step)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(series['train/box_loss'].length).toBe(50);

      const race = await Promise.allSettled(Array.from({ length: 20 }, () => store.setStatus(task.id, 'running', { expect: ['queued'] })));
      expect(race.filter((r) => r.status === 'fulfilled').length).toBe(1);
      for (const r of race) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'TASK_ILLEGAL_TRANSITION' });

      // Read-modify-write calls on one task must not lose each other's changes.
      await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => store.recordArtifact(task.id, ref(`a${i}.txt`))),
        store.update(task.id, { result: { ok: true } }),
        store.requestStop(task.id, 'race'),
        ...Array.from({ length: 10 }, (_, i) => store.appendLog(task.id, `line ${i}\n`)),
      ]);
      const final = await store.get(task.id);
      expect(Object.keys(final.artifacts).length).toBe(10);
      expect(final).toMatchObject({ status: 'running', result: { ok: true }, stopRequest: { reason: 'race' } });
      expect((await store.readLog(task.id)).split('\n').filter(Boolean).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i}`).sort());
    });
  });
}
