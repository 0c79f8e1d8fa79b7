import { loadTemplate } from '../../config/index.ts';
import { checkTrainerParams } from '../../trainers/check-params.ts';
import { codeForTemplate } from './record-code.ts';
import { versionPin } from '../../worker/index.ts';
import { openCliStore, type GlobalOptions } from '../context.ts';

/** `hpo task create <template-file> [--repo DIR]`: stores the template as a draft task (with its code, see codeForTemplate); prints its id. */
export async function taskCreateCommand(file: string, options: { repo?: string }, globals: GlobalOptions): Promise<void> {
  const { store } = await openCliStore(globals);
  const template = await loadTemplate(file);
  await checkTrainerParams(template.trainer, template.params);
  const code = await codeForTemplate(file, template.trainer, options.repo, globals);
  const task = await store.create({ ...template, ...versionPin(template.trainer), type: 'training', status: 'draft', ...(code ? { code } : {}) });
  process.stdout.write(`${task.id}\n`);
  await store.close();
}
