import { startS3Server } from '../helpers/s3-server.ts';

/**
 * Starts one S3-protocol server (s3rver) on loopback for the whole run and exports its endpoint
 * as HPO_TEST_S3_ENDPOINT, with s3rver's key pair as the AWS credentials. Tests use their own
 * prefixes in the shared bucket.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const server = await startS3Server();
  process.env.HPO_TEST_S3_ENDPOINT = server.endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  process.env.AWS_REGION ??= 'us-east-1';
  return server.close;
}
