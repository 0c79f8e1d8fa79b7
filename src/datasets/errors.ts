import { HpoError } from '../core/index.ts';

/** Bad dataset input or state: an unsafe path, an unknown id, a closed version edited, a missing yaml. */
export class DatasetVersionError extends HpoError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'DatasetVersionError';
  }
}

export const datasetNotFound = (id: string, where: string): DatasetVersionError =>
  new DatasetVersionError('DATASET_NOT_FOUND', `Dataset version "${id}" not found in ${where}. List versions with \`hpo data list\`.`);

export const datasetClosed = (id: string): DatasetVersionError =>
  new DatasetVersionError('DATASET_CLOSED', `Dataset version ${id} is closed and immutable. Make a child version: \`hpo data create --parent ${id} ...\` or \`hpo data sync --parent ${id} ...\`.`);

export const unsafePath = (path: string, why: string): DatasetVersionError =>
  new DatasetVersionError('DATASET_PATH_INVALID', `Invalid dataset file path ${JSON.stringify(path)}: ${why}. Paths inside a version are relative, "/"-separated, without "." or ".." segments.`);

export const blobMissing = (id: string, path: string, sha256: string, where: string): DatasetVersionError =>
  new DatasetVersionError('DATASET_BLOB_MISSING', `Dataset version ${id}: the blob of "${path}" (sha256 ${sha256}) is missing from ${where}. It was deleted outside hpo, or the version's artifact store is another one; re-create the version from its files.`);
