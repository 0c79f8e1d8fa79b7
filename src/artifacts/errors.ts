import { ARTIFACT_STORE_FAULT, HpoError } from '../core/index.ts';

/** A key that could escape the store or clash with its bookkeeping (`..`, `/abs`, `.tmp/..`). */
export class InvalidArtifactKeyError extends HpoError {
  constructor(readonly key: string, why: string) {
    super(
      'ARTIFACT_KEY_INVALID',
      `Invalid artifact key ${JSON.stringify(key)}: ${why}. Keys are "/"-separated segments of [A-Za-z0-9._-], ` +
        'none empty, none starting with "." (so no ".." and no absolute paths), at most 1024 characters.',
    );
    this.name = 'InvalidArtifactKeyError';
  }
}

/** `get` of a key the store does not hold. */
export class ArtifactNotFoundError extends HpoError {
  constructor(readonly key: string, where: string) {
    super('ARTIFACT_NOT_FOUND', `Artifact "${key}" not found in ${where}. It was never stored, or was deleted (retention, \`hpo gc\`, \`hpo tasks delete\`).`);
    this.name = 'ArtifactNotFoundError';
  }
}

/** Bytes whose sha256 is not the one expected (a changed source file, a damaged blob). */
export class ArtifactHashMismatchError extends HpoError {
  constructor(readonly key: string, expected: string, received: string, what: string) {
    super(
      'ARTIFACT_HASH_MISMATCH',
      `${what} "${key}" has sha256 ${received}, expected ${expected}; nothing was committed. ` +
        'Re-run to read or write it again; if it repeats, the source changed or the stored copy is damaged.',
    );
    this.name = 'ArtifactHashMismatchError';
  }
}

/** An `artifacts:` / `--artifacts` / HPO_ARTIFACTS value that names no backend. */
export class ArtifactSpecError extends HpoError {
  constructor(spec: string, why: string) {
    super('ARTIFACT_SPEC_INVALID', `Invalid artifact store ${JSON.stringify(spec)}: ${why}. Use a folder path, file:///PATH, s3://BUCKET/PREFIX or redis://HOST:PORT.`);
    this.name = 'ArtifactSpecError';
  }
}

/** A remote artifact store refused or failed a request (credentials, endpoint, bucket): one line, exit 1. */
export class ArtifactStoreFaultError extends HpoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ARTIFACT_STORE_FAULT, message, options);
    this.name = 'ArtifactStoreFaultError';
  }
}
