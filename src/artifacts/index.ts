export type { ArtifactBody, ArtifactInfo, ArtifactListing, ArtifactStore, PutOptions } from './types.ts';
export { ArtifactHashMismatchError, ArtifactMissingError, ArtifactSpecError, InvalidArtifactKeyError } from './errors.ts';
export { assertArtifactKey } from './key.ts';
export { readArtifactBytes } from './base.ts';
export { FolderArtifactStore } from './folder/folder-store.ts';
export { ArtifactStores, openArtifactStore, resolveArtifactSpec } from './open-artifacts.ts';
export { taskArtifactKey, taskArtifactRef, saveTaskArtifact, openTaskArtifact, readTaskArtifact, downloadTaskArtifact, deleteTaskArtifacts } from './task-artifacts.ts';
