import { HpoError } from '../../../core/index.ts';

/**
 * A dataset the user pointed at is unusable: a yaml missing keys or folders, a bad label line,
 * a corrupt image. The message names the file (and line), the received value and the fix.
 */
export class DatasetError extends HpoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATASET_INVALID', message, options);
    this.name = 'DatasetError';
  }
}
