/** The task store: the embedded file backend, the opener that picks a backend, and shared helpers. */
export { FileTaskStore, type FileTaskStoreOptions } from './file-store.ts';
export { openStore, type OpenStoreOptions } from './open-store.ts';
export { assertTaskId, assertArtifactName, isTaskId, newTaskId } from './task-id.ts';
export { applyStatus, applyPatch, applyStopRequest, applyArtifactRef, applyForgetArtifacts, type StatusOptions } from './transition.ts';
export { InvalidArtifactNameError, LeaseHeldError, LeaseLostError, StatusConflictError, StoreInputError, StoreLockTimeoutError } from './errors.ts';
export { applyAcquireLease, applyRenewLease, applyReleaseLease } from './lease.ts';
