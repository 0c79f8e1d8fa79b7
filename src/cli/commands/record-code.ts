import path from 'node:path';
import type { CodeSnapshot, TrainerRef } from '../../core/index.ts';
import { logLine, type GlobalOptions } from '../context.ts';

/**
 * The code a new task from `templateFile` records: the working tree `--repo` names, or for an
 * external (`command`) trainer the template file's own repo when it is in one. Built-in
 * trainers run hpo's own code and record nothing (their environment pins the hpo version).
 */
export async function codeForTemplate(templateFile: string, trainer: TrainerRef, repo: string | undefined, globals: GlobalOptions): Promise<CodeSnapshot | undefined> {
  const { captureCode } = await import('../../worker/capture-code.ts');
  const log = (line: string) => logLine(globals, 'warn', line);
  if (repo) return captureCode(path.resolve(repo), { entryPoint: templateFile, log });
  if (trainer.type !== 'command') return undefined;
  try {
    return await captureCode(path.dirname(path.resolve(templateFile)), { entryPoint: templateFile, log });
  } catch {
    return undefined; // not in a repo: the task runs the code on the disk of whoever runs it
  }
}
