import type { Params, TrainerRef } from '../core/index.ts';
import type { UserConfig } from './schema.ts';

/** Typed identity for `hpo.config.ts`: exists so editors complete keys and flag typos. */
export function defineConfig(config: UserConfig): UserConfig {
  return config;
}

/** A template task definition (templates/*.ts default export). */
export interface TemplateDefinition {
  name: string;
  project?: string;
  trainer: TrainerRef;
  params: Params;
  tags?: string[];
}

/** Typed identity for template files. */
export function defineTemplate(template: TemplateDefinition): TemplateDefinition {
  return template;
}
