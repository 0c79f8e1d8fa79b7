import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ArtifactStoreBase } from '../base.ts';
import { ArtifactHashMismatchError, ArtifactNotFoundError, ArtifactStoreFaultError } from '../errors.ts';
import { assertArtifactKey, assertKeyPrefix } from '../key.ts';
import { Tally, toIterable } from '../streams.ts';
import type { ArtifactBody, ArtifactInfo, ArtifactListing, PutOptions } from '../types.ts';
import { parseS3Spec, type S3Spec } from './s3-spec.ts';

const TMP = '.tmp/';
const PART_BYTES = 5 * 1024 * 1024;

/**
 * Artifacts as objects under `s3://bucket/prefix/` on any S3-compatible service (AWS, MinIO,
 * R2, GCS interop). A put streams a multipart upload (two 5 MiB parts in flight at most) to
 * `prefix/.tmp/<uuid>` while hashing, then copies it to its key with the sha256 as object
 * metadata and deletes the temporary object: the key only ever holds whole, hashed uploads.
 * Copying in one request limits an artifact to 5 GiB (S3's CopyObject limit).
 */
export class S3ArtifactStore extends ArtifactStoreBase {
  readonly spec: string;
  private readonly s3: S3Spec;
  private readonly client: S3Client;

  constructor(spec: string, env: Record<string, string | undefined> = process.env) {
    super();
    this.s3 = parseS3Spec(spec, env);
    this.spec = spec;
    this.client = new S3Client({
      region: this.s3.region,
      endpoint: this.s3.endpoint,
      forcePathStyle: this.s3.forcePathStyle,
      // Checksum trailers by default break S3-compatible servers (s3rver, older MinIO); we hash ourselves.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: ArtifactBody, options: PutOptions = {}): Promise<ArtifactInfo> {
    assertArtifactKey(key);
    const { bucket, prefix } = this.s3;
    const tmpKey = `${prefix}${TMP}${randomUUID()}`;
    const tally = new Tally();
    try {
      const upload = new Upload({
        client: this.client,
        params: { Bucket: bucket, Key: tmpKey, Body: Readable.from(tally.through(toIterable(body))) },
        queueSize: 2,
        partSize: PART_BYTES,
        leavePartsOnError: false,
      });
      await upload.done().catch((error: unknown) => Promise.reject(this.fault(error, 'upload', key)));
      const sha256 = tally.digest();
      if (options.sha256 !== undefined && options.sha256 !== sha256) throw new ArtifactHashMismatchError(key, options.sha256, sha256, 'Upload of');
      const createdAt = Date.now();
      await this.send('copy', key, () =>
        this.client.send(new CopyObjectCommand({
          Bucket: bucket,
          Key: prefix + key,
          CopySource: `${bucket}/${tmpKey.split('/').map(encodeURIComponent).join('/')}`,
          MetadataDirective: 'REPLACE',
          Metadata: { sha256, 'created-at': String(createdAt) },
        })),
      );
      return { key, size: tally.size, sha256, createdAt };
    } finally {
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: tmpKey })).catch(() => {}); // a leftover is swept by `hpo gc`
    }
  }

  async get(key: string): Promise<Readable> {
    assertArtifactKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.s3.bucket, Key: this.s3.prefix + key }));
      return out.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) throw new ArtifactNotFoundError(key, this.spec);
      throw this.fault(error, 'get', key);
    }
  }

  async head(key: string): Promise<ArtifactInfo | undefined> {
    assertArtifactKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.s3.bucket, Key: this.s3.prefix + key }));
      const size = out.ContentLength ?? 0;
      const createdAt = Number(out.Metadata?.['created-at'] ?? out.LastModified?.getTime() ?? 0);
      let sha256 = out.Metadata?.sha256;
      if (!sha256) {
        // Written by another tool: hash it once, by streaming.
        const tally = new Tally();
        for await (const _ of tally.through(await this.get(key))) void _;
        sha256 = tally.digest();
      }
      return { key, size, sha256, createdAt };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error instanceof ArtifactStoreFaultError ? error : this.fault(error, 'head', key);
    }
  }

  async list(keyPrefix = ''): Promise<ArtifactListing[]> {
    assertKeyPrefix(keyPrefix);
    const rows = (await this.listRaw(this.s3.prefix + keyPrefix)).filter((r) => !r.key.startsWith(TMP));
    return rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<boolean> {
    assertArtifactKey(key);
    const existed = (await this.head(key).catch(() => undefined)) !== undefined;
    await this.send('delete', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.s3.bucket, Key: this.s3.prefix + key })));
    return existed;
  }

  async sweepUploads(olderThanMs: number): Promise<number> {
    let removed = 0;
    for (const row of await this.listRaw(this.s3.prefix + TMP)) {
      if (Date.now() - row.createdAt < olderThanMs) continue;
      await this.send('delete', row.key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.s3.bucket, Key: this.s3.prefix + row.key })));
      removed++;
    }
    return removed;
  }

  describe(key: string): string {
    return `s3://${this.s3.bucket}/${this.s3.prefix}${key}`;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** One S3 request; a failure other than a missing key becomes one clear line (see `fault`). */
  private async send<T>(op: string, key: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.fault(error, op, key);
    }
  }

  /** An SDK error (no credentials, a wrong endpoint, a missing bucket, access denied) as one line naming where and what to check. */
  private fault(error: unknown, op: string, key: string): ArtifactStoreFaultError {
    const e = error as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
    const status = e?.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
    const what = `${e?.name ?? 'Error'}${status}: ${e?.message ?? String(error)}`;
    return new ArtifactStoreFaultError(
      `S3 ${op} of ${this.describe(key)} failed: ${what}. Check the bucket, the endpoint (${this.s3.endpoint ?? 'AWS'}), the region (${this.s3.region}) and the AWS credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or ~/.aws).`,
      { cause: error },
    );
  }

  /** Every object under `fullPrefix`, keys relative to the store prefix. */
  private async listRaw(fullPrefix: string): Promise<ArtifactListing[]> {
    const shown = fullPrefix.slice(this.s3.prefix.length);
    const rows: ArtifactListing[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.send('list', shown, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.s3.bucket, Prefix: fullPrefix, ContinuationToken: token })),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key) rows.push({ key: o.Key.slice(this.s3.prefix.length), size: o.Size ?? 0, createdAt: o.LastModified?.getTime() ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return rows;
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.name === 'NoSuchBucket') return false; // the store is misconfigured, not the key missing
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}
