import { ArtifactSpecError } from '../errors.ts';

/** A parsed `s3://bucket/prefix?endpoint=URL&region=R&forcePathStyle=true` spec. */
export interface S3Spec {
  bucket: string;
  /** '' or ends with '/'. */
  prefix: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
}

/**
 * Reads an S3 spec. Endpoint and region come from the query, else AWS_ENDPOINT_URL_S3 /
 * AWS_ENDPOINT_URL and AWS_REGION / AWS_DEFAULT_REGION (default us-east-1); path-style
 * addressing (MinIO, s3rver) is on whenever an endpoint is set unless forcePathStyle=false.
 * Credentials are never in the spec: the SDK reads AWS_ACCESS_KEY_ID etc. itself.
 */
export function parseS3Spec(spec: string, env: Record<string, string | undefined> = process.env): S3Spec {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new ArtifactSpecError(spec, 'it is not a URL');
  }
  if (url.username || url.password) throw new ArtifactSpecError(spec, 'credentials do not belong in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  const bucket = url.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ArtifactSpecError(spec, `bucket "${bucket}" is not a valid S3 bucket name`);
  const path = decodeURIComponent(url.pathname).replace(/^\/+/, '').replace(/\/+$/, '');
  const endpoint = url.searchParams.get('endpoint') ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? undefined;
  const region = url.searchParams.get('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const style = url.searchParams.get('forcePathStyle');
  for (const name of url.searchParams.keys()) {
    if (!['endpoint', 'region', 'forcePathStyle'].includes(name)) throw new ArtifactSpecError(spec, `unknown option "${name}" (known: endpoint, region, forcePathStyle)`);
  }
  return { bucket, prefix: path ? `${path}/` : '', endpoint, region, forcePathStyle: style === null ? endpoint !== undefined : style === 'true' };
}
