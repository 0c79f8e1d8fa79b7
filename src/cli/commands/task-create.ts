import { loadTemplate } from '../../config/index.ts';
import { checkTrainerParams } from '../../trainers/check-params.ts';
import { openCliStore, type GlobalOptions } from '../context.ts';

/** `hpo task create <template-file>`: stores the template as a draft task; prints its id. */
export async function taskCreateCommand(file: string, globals: GlobalOptions): Promise<void> {
  const { store } = await openCliStore(globals);
  const template = await loadTemplate(file);
  await checkTrainerParams(template.trainer, template.params);
  const task = await store.create({ ...template, type: 'training', status: 'draft' });
  process.stdout.write(`${task.id}\n`);
  await store.close();
}
