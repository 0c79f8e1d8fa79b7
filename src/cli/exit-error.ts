import { HpoError } from '../core/index.ts';

/**
 * A command that ran but did not succeed, already explained: the message is printed without a
 * stack and the process exits with `exitCode` (1 a failed study, 130 an interrupted one).
 */
export class ExitError extends HpoError {
  constructor(readonly exitCode: number, message: string) {
    super('EXIT', message);
    this.name = 'ExitError';
  }
}
