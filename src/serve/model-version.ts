/**
 * One loaded version of a served model (one training task's weights): a runtime and a batcher
 * per input size, loaded on first use, and a count of the requests using it so that retiring
 * it waits for them: a request finishes on the version it started on.
 */
import { DynamicBatcher, type BatcherOptions } from './pipeline/batcher.ts';
import type { ModelInfo } from './model-source.ts';
import type { DetectorRuntime } from './runtime/types.ts';

/** Loads the runtime of `taskId`'s model at `size` (export cached by the caller). */
export type RuntimeLoader = (size: number) => Promise<DetectorRuntime>;

interface Engine { runtime: DetectorRuntime; batcher: DynamicBatcher }

/** A version and its engines. */
export class ModelVersion {
  private readonly engines = new Map<number, Promise<Engine>>();
  private users = 0;
  private released: (() => void)[] = [];
  private retired = false;

  constructor(
    readonly id: string,
    readonly info: ModelInfo,
    readonly defaultSize: number,
    private readonly load: RuntimeLoader,
    private readonly batching: (version: string) => BatcherOptions,
  ) {}

  /** Loads the default-size engine (call before taking traffic). */
  async warm(): Promise<void> {
    await this.engine(this.defaultSize);
  }

  /** The runtime kind of the default engine, once loaded. */
  async runtimeKind(): Promise<string> {
    return (await this.engine(this.defaultSize)).runtime.kind;
  }

  /** How the default engine runs: its runtime kind and model instances (forwards at once). */
  async layout(): Promise<{ runtime: string; instances: number }> {
    const { runtime } = await this.engine(this.defaultSize);
    return { runtime: runtime.kind, instances: runtime.concurrency };
  }

  /** The engine for `size`, loading it once. A failed load is forgotten, so a later call retries. */
  engine(size: number): Promise<Engine> {
    let e = this.engines.get(size);
    if (!e) {
      e = this.load(size).then((runtime) => ({ runtime, batcher: new DynamicBatcher(runtime, this.batching(this.id)) }));
      this.engines.set(size, e);
      e.catch(() => this.engines.delete(size));
    }
    return e;
  }

  /** Images queued across this version's engines. */
  async depth(): Promise<number> {
    let d = 0;
    for (const e of this.engines.values()) d += await e.then((x) => x.batcher.depth, () => 0);
    return d;
  }

  /** Marks one request as using this version; pair with release(). */
  acquire(): void {
    if (this.retired) throw new Error(`version ${this.id} is retired`);
    this.users++;
  }

  release(): void {
    this.users--;
    if (this.users === 0) for (const r of this.released.splice(0)) r();
  }

  /** Waits for every request on this version to finish, then frees its runtimes. */
  async retire(): Promise<void> {
    this.retired = true;
    if (this.users > 0) await new Promise<void>((r) => this.released.push(r));
    for (const e of this.engines.values()) {
      const engine = await e.catch(() => undefined);
      if (!engine) continue;
      await engine.batcher.whenIdle();
      await engine.runtime.dispose();
    }
    this.engines.clear();
  }
}
