import { checkTrainerParams } from '../../trainers/check-params.ts';
import { openCliStore, type GlobalOptions } from '../context.ts';
import { parseSetFlags } from './set-params.ts';

/**
 * `hpo task clone <id> --set k=v ...`: a draft copy of a task with params overridden (checked
 * against its trainer, so `--set args/coslr=true` fails naming `args/cos_lr`); prints the new id.
 * The ClearML loop: clone, edit, `hpo enqueue`.
 */
export async function taskCloneCommand(id: string, options: { set?: string[]; name?: string; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const { store } = await openCliStore(globals);
  try {
    const source = await store.get(id);
    const params = { ...source.params, ...parseSetFlags(options.set, source.params) };
    await checkTrainerParams(source.trainer, params);
    const clone = await store.clone(source.id, { params, parent: source.id, name: options.name ?? source.name, status: 'draft' });
    process.stdout.write(options.json ? JSON.stringify(clone, null, 2) + '\n' : `${clone.id}\n`);
  } finally {
    await store.close();
  }
}
