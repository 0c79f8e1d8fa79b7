/**
 * Error hierarchy. Every error carries a stable `code` and `name` because errors cross
 * process boundaries (child trials, BullMQ jobs) where `instanceof` no longer works.
 * `userFacing` errors are the user's problem, already explained: the CLI prints the
 * message without a stack. Anything else is a bug and is printed with its stack.
 */
export class HpoError extends Error {
  readonly code: string;
  readonly userFacing: boolean;
  constructor(code: string, message: string, options?: { cause?: unknown; userFacing?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = 'HpoError';
    this.userFacing = options?.userFacing ?? true;
  }
}

/** Error codes that say a store cannot be written: the task store's file faults, a refused artifact store. */
export const STORE_FAULT = 'STORE_FAULT';
export const ARTIFACT_STORE_FAULT = 'ARTIFACT_STORE_FAULT';

/** Whether `code` is one of them: the operator's to fix, never the trial's. */
export function isStoreFaultCode(code: string | undefined): boolean {
  return code === STORE_FAULT || code === ARTIFACT_STORE_FAULT;
}

/** A config file, CLI flag or template failed validation. */
export class ConfigError extends HpoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG_INVALID', message, options);
    this.name = 'ConfigError';
  }
}

/** A task id that does not exist in the store. */
export class TaskNotFoundError extends HpoError {
  constructor(readonly taskId: string, where: string) {
    super('TASK_NOT_FOUND', `Task "${taskId}" not found in ${where}. List tasks with \`hpo tasks list\`.`);
    this.name = 'TaskNotFoundError';
  }
}

/** A task id that could escape the store (path separators, `..`) or is otherwise malformed. */
export class InvalidTaskIdError extends HpoError {
  constructor(readonly taskId: string) {
    super(
      'TASK_ID_INVALID',
      `Invalid task id ${JSON.stringify(taskId)}: ids are 1-64 characters of [A-Za-z0-9_-] ` +
        '(no "/", no ".."). Copy the id printed by `hpo tasks list`.',
    );
    this.name = 'InvalidTaskIdError';
  }
}

/** A status change the task's lifecycle does not allow (e.g. completed -> running). */
export class IllegalTransitionError extends HpoError {
  constructor(readonly taskId: string, readonly from: string, readonly to: string, allowed: readonly string[]) {
    super(
      'TASK_ILLEGAL_TRANSITION',
      `Task ${taskId} cannot go from "${from}" to "${to}"; from "${from}" it may go to: ` +
        `${allowed.length ? allowed.join(', ') : '(nothing, it is final)'}.`,
    );
    this.name = 'IllegalTransitionError';
  }
}

/** A trial that failed: its trainer threw, exited non-zero, timed out or reported NaN. */
export class TrialFailedError extends HpoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TRIAL_FAILED', message, options);
    this.name = 'TrialFailedError';
  }
}

/** A trial that ran past `budget.trialTimeout`, or reported nothing for `budget.stallTimeout`. */
export class TrialTimeoutError extends TrialFailedError {
  constructor(message: string) {
    super(message);
    (this as { code: string }).code = 'TRIAL_TIMEOUT';
    this.name = 'TrialTimeoutError';
  }
}

/** The trial was asked to stop (pruned, study stopped, agent shutting down). */
export class TrialStoppedError extends HpoError {
  constructor(readonly reason: string) {
    super('TRIAL_STOPPED', `trial stopped: ${reason}`);
    this.name = 'TrialStoppedError';
  }
}

/** Serializable form of any error, for task records and process messages. */
export interface ErrorInfo {
  name: string;
  code: string;
  message: string;
  stack?: string;
}

export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      code: typeof code === 'string' ? code : 'INTERNAL',
      message: error.message,
      stack: error.stack,
    };
  }
  return { name: 'Error', code: 'INTERNAL', message: String(error) };
}
