import { HpoError } from '../core/index.ts';

/** A task that cannot be served or exported (no checkpoint, a study with no completed trial, ...). */
export class ServeError extends HpoError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ServeError';
  }
}
