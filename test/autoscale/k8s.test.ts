import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { autoscaleSchema } from '../../src/config/autoscale-schema.ts';
import { k8sManifests, renderK8s } from '../../src/autoscale/k8s.ts';

/**
 * The field names our manifests may use, written down from the published API references:
 * Kubernetes v1.30 (apps/v1 Deployment, core/v1 PodSpec, Container, EnvVar,
 * ResourceRequirements) and KEDA v2 (keda.sh/v1alpha1 ScaledObject and TriggerAuthentication,
 * the `redis` (Redis Lists) scaler's trigger metadata). A subset: only what could appear here.
 * `{}` marks a map whose keys are free (labels, resource names); `[x]` a list of x.
 * Keys marked `!` are required by the API.
 */
type Schema = { [key: string]: Schema | [Schema] | 'string' | 'number' | 'map' };
const objectMeta: Schema = { '!name': 'string', namespace: 'string', labels: 'map', annotations: 'map' };
const envVar: Schema = { '!name': 'string', value: 'string', valueFrom: { secretKeyRef: { '!name': 'string', '!key': 'string', optional: 'string' }, configMapKeyRef: { '!name': 'string', '!key': 'string' } } };
const container: Schema = {
  '!name': 'string', image: 'string', command: ['string' as never], args: ['string' as never], env: [envVar], workingDir: 'string',
  resources: { limits: 'map', requests: 'map' }, imagePullPolicy: 'string',
};
const deployment: Schema = {
  '!apiVersion': 'string', '!kind': 'string', '!metadata': objectMeta,
  spec: {
    replicas: 'number', '!selector': { matchLabels: 'map' }, strategy: { type: 'string' },
    '!template': { metadata: { labels: 'map', annotations: 'map' }, spec: { '!containers': [container], terminationGracePeriodSeconds: 'number', nodeSelector: 'map', serviceAccountName: 'string' } },
  },
};
const redisListsMetadata: Schema = {
  address: 'string', host: 'string', port: 'string', '!listName': 'string', listLength: 'string', activationListLength: 'string',
  databaseIndex: 'string', enableTLS: 'string', unsafeSsl: 'string', usernameFromEnv: 'string', passwordFromEnv: 'string',
  addressFromEnv: 'string', hostFromEnv: 'string', portFromEnv: 'string',
};
const scaledObject: Schema = {
  '!apiVersion': 'string', '!kind': 'string', '!metadata': objectMeta,
  '!spec': {
    '!scaleTargetRef': { apiVersion: 'string', kind: 'string', '!name': 'string', envSourceContainerName: 'string' },
    pollingInterval: 'number', cooldownPeriod: 'number', idleReplicaCount: 'number', minReplicaCount: 'number', maxReplicaCount: 'number',
    '!triggers': [{ '!type': 'string', name: 'string', '!metadata': redisListsMetadata, authenticationRef: { '!name': 'string', kind: 'string' }, metricType: 'string', useCachedMetrics: 'string' }],
  },
};
const triggerAuthentication: Schema = {
  '!apiVersion': 'string', '!kind': 'string', '!metadata': objectMeta,
  '!spec': { secretTargetRef: [{ '!parameter': 'string', '!name': 'string', '!key': 'string' }] },
};
const SCHEMAS: Record<string, { apiVersion: string; schema: Schema }> = {
  Deployment: { apiVersion: 'apps/v1', schema: deployment },
  ScaledObject: { apiVersion: 'keda.sh/v1alpha1', schema: scaledObject },
  TriggerAuthentication: { apiVersion: 'keda.sh/v1alpha1', schema: triggerAuthentication },
};

/** Every problem of `value` against `schema`: unknown fields, missing required ones, wrong kinds. */
function check(value: unknown, schema: Schema | [Schema] | string, at: string): string[] {
  if (Array.isArray(schema)) {
    if (!Array.isArray(value)) return [`${at}: expected a list`];
    return value.flatMap((v, i) => check(v, schema[0], `${at}[${i}]`));
  }
  if (schema === 'string') return typeof value === 'string' ? [] : [`${at}: expected a string, got ${JSON.stringify(value)}`];
  if (schema === 'number') return Number.isInteger(value) ? [] : [`${at}: expected an integer, got ${JSON.stringify(value)}`];
  if (schema === 'map') return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string') ? [] : [`${at}: expected a map of strings`];
  if (typeof value !== 'object' || value === null) return [`${at}: expected an object`];
  const fields = new Map(Object.entries(schema as Schema).map(([k, v]) => [k.replace(/^!/, ''), { required: k.startsWith('!'), schema: v }]));
  const problems: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const field = fields.get(key);
    if (!field) problems.push(`${at}.${key}: not a field of the API`);
    else problems.push(...check(v, field.schema, `${at}.${key}`));
  }
  for (const [key, field] of fields) if (field.required && !(key in value)) problems.push(`${at}.${key}: required`);
  return problems;
}

function validate(docs: Record<string, unknown>[]): string[] {
  return docs.flatMap((doc, i) => {
    const known = SCHEMAS[String(doc.kind)];
    if (!known) return [`document ${i}: unknown kind ${String(doc.kind)}`];
    if (doc.apiVersion !== known.apiVersion) return [`${doc.kind}: apiVersion ${String(doc.apiVersion)}, expected ${known.apiVersion}`];
    return check(doc, known.schema, String(doc.kind));
  });
}

const config = autoscaleSchema.parse({ queues: ['gpu'], min: 0, max: 4, idle: '5m', k8s: { image: 'ghcr.io/me/hpo:1', namespace: 'ml', redisSecret: 'redis-auth' } });
const input = { config, redisUrl: 'redis://:secret@redis.ml.svc:6379/2', store: 'redis://:secret@redis.ml.svc:6379/2', prefix: 'hpo:' };

describe('hpo autoscale --print-k8s', () => {
  it('renders a Deployment, a TriggerAuthentication and a ScaledObject whose fields are the APIs\' own', () => {
    const docs = parseAllDocuments(renderK8s(input)).map((d) => d.toJS() as Record<string, unknown>);
    expect(docs.map((d) => d.kind)).toEqual(['Deployment', 'TriggerAuthentication', 'ScaledObject']);
    expect(validate(docs)).toEqual([]);
  });

  it('scales on the BullMQ wait list (and the active list) of the queue, within min and max', () => {
    const [deployment, , scaled] = k8sManifests(input) as Array<Record<string, any>>;
    expect(scaled.spec.scaleTargetRef.name).toBe(deployment.metadata.name);
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(scaled.spec.triggers.map((t: any) => t.metadata.listName)).toEqual(['hpo:q:gpu:wait', 'hpo:q:gpu:active']);
    expect(scaled.spec.triggers[0].metadata).toMatchObject({ address: 'redis.ml.svc:6379', databaseIndex: '2', listLength: '1' });
    expect(scaled.spec).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 4, cooldownPeriod: 300 });
    const container = deployment.spec.template.spec.containers[0];
    expect(container.args).toEqual(['--log-format', 'json', 'agent', '--queue', 'gpu']);
    expect(container.resources.limits['nvidia.com/gpu']).toBe('1');
    // No password in the manifests: it comes from the Secret.
    expect(renderK8s(input)).not.toContain('secret@');
    expect(container.env.find((e: any) => e.name === 'REDIS_URL').value).toBe('redis://:$(REDIS_PASSWORD)@redis.ml.svc:6379/2');
  });

  it('the schema check catches a misspelt or missing field', () => {
    const docs = k8sManifests(input) as Array<Record<string, any>>;
    docs[2].spec.triggers[0].metadata.listname = docs[2].spec.triggers[0].metadata.listName;
    delete docs[2].spec.triggers[0].metadata.listName;
    docs[0].spec.template.spec.containers[0].enviroment = [];
    expect(validate(docs)).toEqual([
      'Deployment.spec.template.spec.containers[0].enviroment: not a field of the API',
      'ScaledObject.spec.triggers[0].metadata.listname: not a field of the API',
      'ScaledObject.spec.triggers[0].metadata.listName: required',
    ]);
  });
});
