import { HpoError } from '../core/index.ts';

/** HTTP status of an error the API returns; anything not listed is a bug (500). */
const STATUS_BY_CODE: Record<string, number> = {
  TASK_NOT_FOUND: 404,
  ARTIFACT_NOT_FOUND: 404,
  TASK_ID_INVALID: 400,
  ARTIFACT_NAME_INVALID: 400,
  CONFIG_INVALID: 400,
  NOT_A_STUDY: 400,
  TASK_ILLEGAL_TRANSITION: 409,
  UI_READ_ONLY: 403,
  UI_TOKEN: 401,
};

/** The API's error body, `{ error: { code, name, message } }`, and its status. */
export function errorReply(error: unknown): { status: number; body: { error: { code: string; name: string; message: string } } } {
  if (error instanceof HpoError) {
    return { status: STATUS_BY_CODE[error.code] ?? (error.userFacing ? 400 : 500), body: { error: { code: error.code, name: error.name, message: error.message } } };
  }
  const e = error as { statusCode?: number; code?: string; message?: string; name?: string };
  // Fastify's own (malformed JSON, body too large) carry a 4xx statusCode.
  if (e?.statusCode && e.statusCode < 500) return { status: e.statusCode, body: { error: { code: e.code ?? 'BAD_REQUEST', name: e.name ?? 'Error', message: e.message ?? String(error) } } };
  return { status: 500, body: { error: { code: 'INTERNAL', name: e?.name ?? 'Error', message: e?.message ?? String(error) } } };
}

/** Write actions on a `--read-only` server. */
export class ReadOnlyError extends HpoError {
  constructor(action: string) {
    super('UI_READ_ONLY', `This hpo ui runs with --read-only: ${action} is refused. Restart it without --read-only to change tasks.`);
    this.name = 'ReadOnlyError';
  }
}

/** A request without the server's token (any address but 127.0.0.1 needs one). */
export class TokenError extends HpoError {
  constructor() {
    super('UI_TOKEN', 'Missing or wrong token: send "Authorization: Bearer <token>" (or ?token=<token>), the value given to hpo ui --token or HPO_UI_TOKEN.');
    this.name = 'TokenError';
  }
}
