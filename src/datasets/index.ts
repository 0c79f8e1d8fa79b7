export { DatasetCatalog } from './catalog.ts';
export { DatasetVersionError } from './errors.ts';
export { addFiles, removeFiles } from './draft.ts';
export { closeVersion, type CloseOptions, type CloseResult } from './close.ts';
export { syncFolder, type SyncResult } from './sync.ts';
export { defaultCacheDir, fetchVersion, type FetchResult } from './fetch.ts';
export { parseDataUri, resolveDataParam, resolveDataUri } from './data-uri.ts';
export { blobKey, contentHash, diffManifests, versionKey, type DatasetFile, type DatasetVersion } from './manifest.ts';
export type { YamlValidator } from './yolo-layout.ts';
