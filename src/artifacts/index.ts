/** The artifact store: blobs (checkpoints, plots, dataset files) apart from the metadata-only task store. */
export type { ArtifactBody, ArtifactInfo, ArtifactListing, ArtifactStore, PutOptions } from './types.ts';
export { ArtifactHashMismatchError, ArtifactNotFoundError, ArtifactSpecError, InvalidArtifactKeyError } from './errors.ts';
export { assertArtifactKey } from './key.ts';
export { readArtifactBytes } from './base.ts';
export { FolderArtifactStore } from './folder/folder-store.ts';
export { ARTIFACTS_ENV, ArtifactStores, defaultArtifactSpec, folderArtifactStore, openArtifactStore, openArtifactStores, resolveArtifactSpec } from './open-artifacts.ts';
export { taskArtifactKey, taskArtifactRef, saveTaskArtifact, openTaskArtifact, readTaskArtifact, downloadTaskArtifact, deleteTaskArtifacts } from './task-artifacts.ts';
