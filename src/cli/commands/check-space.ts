import type { Task } from '../../core/index.ts';
import type { StudyConfig } from '../../config/index.ts';
import { checkTrainerParams } from '../../trainers/check-params.ts';

/**
 * Checks, before a study starts, that the template's trainer accepts every searched param:
 * each categorical choice, and each numeric dimension at its low end (a name or type mistake
 * shows there), so a typo in the space fails once instead of in every trial.
 */
export async function checkSpace(template: Task, config: StudyConfig): Promise<void> {
  for (const [key, dimension] of Object.entries(config.space)) {
    const values = dimension.type === 'categorical' ? dimension.choices : [dimension.low];
    for (const value of values) await checkTrainerParams(template.trainer, { ...template.params, [key]: value });
  }
}
