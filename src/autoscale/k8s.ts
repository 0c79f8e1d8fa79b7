import { stringify } from 'yaml';
import type { AutoscaleConfig } from '../config/autoscale-schema.ts';
import { activeListKey, waitListKey } from '../exec/queue/queue-keys.ts';

export interface K8sInput {
  config: AutoscaleConfig;
  /** The Redis the queue lives in (host:port is what KEDA needs; the password goes through a Secret). */
  redisUrl: string;
  /** The store agents open; must reach every pod, so a redis:// URL (its credentials are replaced by the Secret's). */
  store: string;
  prefix?: string;
}

/**
 * The Kubernetes way to autoscale agents, as manifests: a Deployment of `hpo agent` pods and a
 * KEDA ScaledObject that sizes it from the queue's BullMQ lists (one trigger per queue on
 * `<prefix>q:<queue>:wait`, the trials waiting, and one on `...:active`, the trials running,
 * so a pod running a trial is not scaled away when the wait list empties). Scale-in sends
 * SIGTERM, which an agent answers by handing its trial back to the queue. With a Redis
 * password, a TriggerAuthentication reads it from the Secret named by `k8s.redisSecret`.
 * Returns the manifests as objects; `renderK8s` gives the YAML.
 */
export function k8sManifests(input: K8sInput): Record<string, unknown>[] {
  const { config } = input;
  const k8s = config.k8s;
  const name = `hpo-agent-${config.queues.join('-').toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63).replace(/-+$/, '');
  const url = new URL(input.redisUrl);
  const address = `${url.hostname}:${url.port || '6379'}`;
  const db = url.pathname.replace('/', '') || '0';
  const meta = (kind: string) => ({ name: kind === 'Deployment' ? name : `${name}-${kind.toLowerCase()}`, ...(k8s.namespace ? { namespace: k8s.namespace } : {}), labels: { app: name } });
  // Kubernetes expands $(REDIS_PASSWORD) from the variable defined before it: no password in the manifest.
  const plainUrl = `${url.protocol}//${k8s.redisSecret ? ':$(REDIS_PASSWORD)@' : ''}${address}/${db}`;
  const store = k8s.store ?? (/^rediss?:\/\//.test(input.store) ? plainUrl : input.store);
  const env: Record<string, unknown>[] = [
    ...(k8s.redisSecret ? [{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: k8s.redisSecret, key: 'password' } } }] : []),
    { name: 'REDIS_URL', value: plainUrl },
    { name: 'HPO_HOME', value: store },
    ...(input.prefix ? [{ name: 'HPO_REDIS_PREFIX', value: input.prefix }] : []),
  ];
  const gpus = k8s.gpusPerPod > 0 ? { limits: { 'nvidia.com/gpu': String(k8s.gpusPerPod) } } : { requests: { cpu: '1' } };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('Deployment'),
    spec: {
      replicas: config.min,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          // Time for a trial to reach its epoch boundary and hand itself back on scale-in.
          terminationGracePeriodSeconds: Math.round(config.stopTimeout / 1000),
          containers: [
            {
              name: 'agent',
              image: k8s.image,
              command: ['hpo'],
              args: ['--log-format', 'json', 'agent', ...config.queues.flatMap((q) => ['--queue', q]), ...(config.slots > 1 ? ['--concurrency', String(config.slots)] : [])],
              env,
              resources: gpus,
            },
          ],
        },
      },
    },
  };
  const auth = k8s.redisSecret ? { authenticationRef: { name: `${name}-triggerauthentication` } } : {};
  const trigger = (listName: string) => ({
    type: 'redis',
    metadata: { address, listName, listLength: String(config.slots), activationListLength: '0', databaseIndex: db, enableTLS: url.protocol === 'rediss:' ? 'true' : 'false' },
    ...auth,
  });
  const scaledObject = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: meta('ScaledObject'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      pollingInterval: k8s.pollingInterval,
      cooldownPeriod: Math.max(1, Math.round(config.idle / 1000)),
      minReplicaCount: config.min,
      maxReplicaCount: config.max,
      triggers: config.queues.flatMap((q) => [trigger(waitListKey(q, input.prefix)), trigger(activeListKey(q, input.prefix))]),
    },
  };
  const triggerAuth = k8s.redisSecret
    ? [{ apiVersion: 'keda.sh/v1alpha1', kind: 'TriggerAuthentication', metadata: meta('TriggerAuthentication'), spec: { secretTargetRef: [{ parameter: 'password', name: k8s.redisSecret, key: 'password' }] } }]
    : [];
  return [deployment, ...triggerAuth, scaledObject];
}

/** The manifests as one multi-document YAML stream, for `kubectl apply -f -`. */
export function renderK8s(input: K8sInput): string {
  return k8sManifests(input).map((m) => stringify(m)).join('---\n');
}
