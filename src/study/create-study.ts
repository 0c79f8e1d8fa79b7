import type { Task, TaskStore } from '../core/index.ts';
import type { StudyConfig } from '../config/index.ts';
import type { ControllerConfig } from './study-state.ts';

/**
 * Creates the controller task of a new study (status queued) from a resolved config and a
 * template task. Returns warnings for searched params the template does not have.
 */
export async function createStudy(
  store: TaskStore,
  options: { config: StudyConfig; templateId: string; storeSpec?: string },
): Promise<{ controller: Task; warnings: string[] }> {
  const template = await store.get(options.templateId);
  const warnings: string[] = [];
  const missing = Object.keys(options.config.space).filter((k) => !(k in template.params));
  if (missing.length) {
    warnings.push(
      `searched param${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} not in template ${template.id} ` +
        `(${template.name}); its params are: ${Object.keys(template.params).join(', ') || '(none)'}. ` +
        'The trials will still receive them; check the spelling if that is not intended.',
    );
  }
  const config: ControllerConfig = { study: options.config, templateId: template.id, storeSpec: options.storeSpec };
  const controller = await store.create({
    name: options.config.name ?? `study: ${template.name}`,
    project: options.config.project,
    type: 'controller',
    trainer: { type: 'controller' },
    params: {},
    config,
    tags: [`template:${template.id}`],
    status: 'queued',
  });
  return { controller, warnings };
}
