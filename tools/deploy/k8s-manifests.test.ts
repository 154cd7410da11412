// deploy/k8s: every manifest passes the Kubernetes schemas, the check catches a broken one, and the
// scoring deployment holds what scaling needs (two replicas, readiness on /ready, a disruption budget
// over the same pods, the Redis URL and the model from mounted volumes).
import { posix } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { checkManifestDir, checkManifestText, type Manifest } from './k8s-manifests.ts';

const { manifests, problems } = checkManifestDir();
const find = (kind: string, name: string): Manifest => {
  const m = manifests.find((x) => x.kind === kind && x.name === name);
  if (!m) throw new Error(`no ${kind}/${name} in deploy/k8s`);
  return m;
};

describe('deploy/k8s manifests', () => {
  it('all pass the Kubernetes schemas', () => {
    expect(problems).toEqual([]);
    expect(manifests.map((m) => `${m.kind}/${m.name}`).sort()).toEqual(
      expect.arrayContaining([
        'Deployment/synfinance-scoring',
        'PodDisruptionBudget/synfinance-scoring',
        'Service/synfinance-scoring',
        'StatefulSet/synfinance-redis',
        'Service/synfinance-redis',
      ]),
    );
  });

  it('the check reports a wrong type, a missing required field, an unknown kind and bad YAML', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata: { name: broken }
spec:
  replicas: two
  selector: { matchLabels: { a: b } }
  template:
    metadata: { labels: { a: b } }
    spec:
      containers: [{ name: c, image: x }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: nameless-container }
spec:
  selector: { matchLabels: { a: b } }
  template:
    metadata: { labels: { a: b } }
    spec:
      containers: [{ image: x }]
---
apiVersion: example.com/v1
kind: Gadget
metadata: { name: g }
`;
    const { problems: found } = checkManifestText('broken.yaml', text);
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/^broken\.yaml: Deployment\/broken: .*replicas must be integer/);
    expect(found[1]).toMatch(
      /Deployment\/nameless-container: .*containers\/0 must have required property name$/,
    );
    expect(found[2]).toBe('broken.yaml: Gadget/g: no schema for apiVersion example.com/v1 kind Gadget');
    expect(checkManifestText('bad.yaml', 'a: [').problems[0]).toMatch(/^bad\.yaml: YAML: /);
  });

  it('the scoring deployment: 2 replicas, ready on /ready, never two down at once', () => {
    const deployment = new Deployment(find('Deployment', 'synfinance-scoring').body as never);
    const spec = deployment.spec!;
    expect(spec.replicas).toBe(2);
    expect(spec.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
    const podLabels = spec.template.metadata?.labels ?? {};
    expect(podLabels).toMatchObject(spec.selector.matchLabels ?? {});
    const container = spec.template.spec!.containers[0]!;
    expect(container.readinessProbe?.httpGet?.path).toBe('/ready');
    expect(container.readinessProbe?.httpGet?.port).toBe('http');
    expect(container.ports?.find((p) => p.name === 'http')?.containerPort).toBe(8000);

    const pdb = new PodDisruptionBudget(find('PodDisruptionBudget', 'synfinance-scoring').body as never);
    expect(pdb.spec?.minAvailable).toBe(1);
    expect(podLabels).toMatchObject(pdb.spec?.selector?.matchLabels ?? { none: 'selected' });
    const service = new Service(find('Service', 'synfinance-scoring').body as never);
    expect(podLabels).toMatchObject(service.spec?.selector ?? { none: 'selected' });
  });

  it('the scoring pods read the Redis URL and the model from mounted volumes', () => {
    const pod = new Deployment(find('Deployment', 'synfinance-scoring').body as never).spec!.template.spec!;
    const container = pod.containers[0]!;
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
    const mountOf = (file: string | undefined) => {
      const dir = posix.dirname(file ?? '');
      const mount = container.volumeMounts?.find((m) => m.mountPath === dir);
      return mount ? pod.volumes?.find((v) => v.name === mount.name) : undefined;
    };
    expect(mountOf(env.SYNFINANCE_REDIS_URL_FILE)?.secret?.secretName).toBe('synfinance-scoring');
    expect(mountOf(env.SYNFINANCE_API_KEYS_FILE)?.secret?.secretName).toBe('synfinance-scoring');
    expect(mountOf(env.SYNFINANCE_MODEL_PATH)?.persistentVolumeClaim?.claimName).toBe('synfinance-models');
    expect(find('PersistentVolumeClaim', 'synfinance-models')).toBeDefined();
  });

  it('the Redis service selects the Redis pods, whose memory is capped with an eviction policy', () => {
    const redis = new StatefulSet(find('StatefulSet', 'synfinance-redis').body as never).spec!;
    const service = new Service(find('Service', 'synfinance-redis').body as never);
    expect(redis.template.metadata?.labels).toMatchObject(service.spec?.selector ?? { none: 'selected' });
    const args = redis.template.spec!.containers[0]!.args ?? [];
    expect(args[args.indexOf('--maxmemory-policy') + 1]).toBe('volatile-lru');
    expect(args).toContain('--maxmemory');
  });
});
