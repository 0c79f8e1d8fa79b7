import { packageVersion } from '../core/index.ts';

/**
 * Prints an error for a person (or, with `--log-format json`, a machine) and returns the exit
 * code: 0 done, 1 a failed study or a usage error, 130 interrupted (an ExitError's own code), 70
 * a bug. The user's own mistakes (userFacing HpoErrors) print without a stack; anything else is
 * a bug: versions and stack, so the report is actionable.
 */
export function reportError(error: unknown, logFormat = 'text'): number {
  const e = error as { name?: string; code?: string; message?: string; stack?: string; userFacing?: boolean };
  const userFacing = e?.userFacing === true;
  if (logFormat === 'json') {
    process.stderr.write(JSON.stringify({ level: 'error', name: e?.name, code: e?.code, message: e?.message, ...(userFacing ? {} : { stack: e?.stack }) }) + '\n');
  } else if (userFacing) {
    process.stderr.write(`hpo: ${e.message}\n`);
  } else {
    const version = packageVersion();
    process.stderr.write(`hpo: internal error (hpo ${version}, node ${process.version}). Please report it with this output.\n${e?.stack ?? String(error)}\n`);
  }
  const exitCode = (error as { exitCode?: unknown })?.exitCode;
  if (userFacing && typeof exitCode === 'number') return exitCode;
  return userFacing ? 1 : 70;
}
