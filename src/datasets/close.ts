import { readFile } from 'node:fs/promises';
import { ArtifactHashMismatchError, readArtifactBytes } from '../artifacts/index.ts';
import type { DatasetCatalog } from './catalog.ts';
import { DatasetVersionError, blobMissing } from './errors.ts';
import { forEachLimit } from './hash-file.ts';
import { blobKey, contentHash, type DatasetFile, type DatasetVersion } from './manifest.ts';
import { openDraft } from './draft.ts';
import { checkYoloLayout, pickYaml, type YamlValidator } from './yolo-layout.ts';

export interface CloseOptions {
  /** Parses the data yaml (the CLI passes the YOLOv5 trainer's loadDatasetConfig). */
  validate: YamlValidator;
  /** The data yaml's path inside the version (default: the single yaml at its root). */
  yaml?: string;
  /** Uploads at once. Default 8. */
  concurrency?: number;
  /** Called after each blob this close uploads (progress). */
  onUploaded?: (path: string, size: number) => void;
}

export interface CloseResult {
  version: DatasetVersion;
  /** Blobs uploaded by this close (new or changed content not yet in the store). */
  uploaded: number;
  uploadedBytes: number;
  /** Files whose content was already stored (the parent's, or an earlier interrupted close's). */
  reused: number;
}

/**
 * `hpo data close`: checks the YOLO layout, uploads every blob the store lacks (each verified
 * against the hash recorded at add), then writes the closed record, last. An interrupted close
 * leaves a draft; closing again uploads only what is still missing.
 */
export async function closeVersion(catalog: DatasetCatalog, id: string, options: CloseOptions): Promise<CloseResult> {
  const version = await openDraft(catalog, id);
  if (version.files.length === 0) throw new DatasetVersionError('DATASET_EMPTY', `Cannot close ${id}: it holds no files. Add some with \`hpo data add ${id} <path...>\`.`);
  const store = catalog.artifacts;
  const yaml = pickYaml(version.files, options.yaml ?? version.yaml);
  const yamlFile = version.files.find((f) => f.path === yaml)!;
  const yamlText = yamlFile.source ? await readFile(yamlFile.source) : await readArtifactBytes(store, blobKey(yamlFile.sha256));
  await checkYoloLayout(version.files, yaml, yamlText, options.validate);

  const parent = version.parent ? await catalog.get(version.parent) : undefined;
  const known = new Set(parent?.files.map((f) => f.sha256));
  // One upload per distinct content; the first local source of it is the one sent.
  const bySha = new Map<string, DatasetFile>();
  for (const f of version.files) if (!bySha.has(f.sha256) || (!bySha.get(f.sha256)!.source && f.source)) bySha.set(f.sha256, f);
  let uploaded = 0;
  let uploadedBytes = 0;
  await forEachLimit([...bySha.values()], options.concurrency ?? 8, async (f) => {
    if (known.has(f.sha256)) return;
    const head = await store.head(blobKey(f.sha256));
    if (head && head.sha256 === f.sha256) return;
    if (!f.source) throw blobMissing(id, f.path, f.sha256, store.spec);
    try {
      await store.putFile(blobKey(f.sha256), f.source, { sha256: f.sha256 });
    } catch (error) {
      if (error instanceof ArtifactHashMismatchError) {
        throw new DatasetVersionError('DATASET_SOURCE_CHANGED', `Cannot close ${id}: ${f.source} (as "${f.path}") changed since it was added; add it again (\`hpo data add ${id} ...\`) and close.`, { cause: error });
      }
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new DatasetVersionError('DATASET_SOURCE_MISSING', `Cannot close ${id}: ${f.source} (as "${f.path}") no longer exists; restore it or remove it (\`hpo data remove ${id} '${f.path}'\`).`, { cause: error });
      }
      throw error;
    }
    uploaded++;
    uploadedBytes += f.size;
    options.onUploaded?.(f.path, f.size);
  });

  const files = version.files.map(({ path, sha256, size }) => ({ path, sha256, size }));
  const closed: DatasetVersion = { ...version, state: 'closed', closedAt: Date.now(), yaml, contentHash: contentHash(files), files };
  await catalog.save(closed);
  return { version: closed, uploaded, uploadedBytes, reused: bySha.size - uploaded };
}
