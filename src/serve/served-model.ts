/**
 * A served model name and its versions: the primary takes the traffic a canary does not. Loading
 * a version beside the old, a canary share, promote and rollback swap versions without downtime;
 * a replaced version retires once its last request has finished.
 */
import { ServeError } from './errors.ts';
import type { ModelVersion } from './model-version.ts';

/** A version's place in the model. */
export interface VersionView { version: string; role: 'primary' | 'canary'; traffic: number; runtime?: string }

/** Routing state of one served name. */
export class ServedModel {
  private canary: { version: ModelVersion; share: number } | undefined;
  private retiring = new Set<Promise<void>>();

  constructor(readonly name: string, private primary: ModelVersion, private readonly random: () => number = Math.random) {}

  /** Picks the version for one request (canary with its share) and marks it in use; pair with release. */
  acquire(): ModelVersion {
    const v = this.canary && this.random() < this.canary.share ? this.canary.version : this.primary;
    v.acquire();
    return v;
  }

  /** The primary version (the one /v1/models reports first). */
  get current(): ModelVersion {
    return this.primary;
  }

  /** Every loaded version. */
  versions(): ModelVersion[] {
    return this.canary ? [this.primary, this.canary.version] : [this.primary];
  }

  /** Routing as the API reports it. */
  view(): VersionView[] {
    const share = this.canary?.share ?? 0;
    const out: VersionView[] = [{ version: this.primary.id, role: 'primary', traffic: 1 - share }];
    if (this.canary) out.push({ version: this.canary.version.id, role: 'canary', traffic: share });
    return out;
  }

  /** Finds a loaded version by id. */
  find(id: string): ModelVersion | undefined {
    return this.versions().find((v) => v.id === id);
  }

  /**
   * Routes `share` (0..1) of the traffic to `version` (already warm): 1 promotes it at once; less
   * makes it the canary (replacing an earlier canary). The primary's own id only moves the share
   * back to it (a rollback).
   */
  route(version: ModelVersion, share: number): void {
    if (version === this.primary) return this.rollback();
    const old = this.canary?.version;
    if (old && old !== version) this.retire(old);
    this.canary = { version, share: Math.min(share, 1) };
    if (share >= 1) this.promote(version.id);
  }

  /** Makes the canary (`id`) the primary; the old primary retires after its requests. */
  promote(id: string): void {
    if (this.primary.id === id) return;
    if (!this.canary || this.canary.version.id !== id) throw notLoaded(this.name, id, this.view());
    const old = this.primary;
    this.primary = this.canary.version;
    this.canary = undefined;
    this.retire(old);
  }

  /** Drops the canary: all traffic back to the primary. */
  rollback(): void {
    const old = this.canary?.version;
    this.canary = undefined;
    if (old) this.retire(old);
  }

  /** Resolves when every replaced version has retired. */
  async settled(): Promise<void> {
    while (this.retiring.size) await Promise.all([...this.retiring]);
  }

  /** Retires every version (shutdown). */
  async close(): Promise<void> {
    const all = this.versions();
    this.canary = undefined;
    await Promise.all([...all.map((v) => v.retire()), this.settled()]);
  }

  private retire(v: ModelVersion): void {
    const p = v.retire().finally(() => this.retiring.delete(p));
    this.retiring.add(p);
  }
}

function notLoaded(name: string, id: string, view: VersionView[]): ServeError {
  return new ServeError('SERVE_VERSION_NOT_LOADED', `model ${name} has no canary version ${id} to promote (loaded: ${view.map((v) => `${v.version} (${v.role})`).join(', ')}); load it first with POST /v1/models/${name}/versions`);
}
