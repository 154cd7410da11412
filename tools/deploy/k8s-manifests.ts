// The Kubernetes manifests of deploy/k8s against the Kubernetes API's JSON schemas, as the npm package
// kubernetes-models ships them (generated from the API's OpenAPI document, validated with Ajv): types,
// required fields, enums and formats. Like kubeconform without -strict, a field the API does not know
// is not reported; the tests beside this file check the fields that matter by name.
//   npm run check:k8s            (tsx tools/deploy/k8s-manifests.ts [dir], default deploy/k8s)
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';

export const K8S_DIR = resolve(fileURLToPath(new URL('../../deploy/k8s', import.meta.url)));

/** The kinds our manifests use; any other is reported rather than passed unchecked. */
const MODELS: Record<string, (data: never) => { validate(): void }> = {
  'apps/v1 Deployment': (d) => new Deployment(d),
  'apps/v1 StatefulSet': (d) => new StatefulSet(d),
  'batch/v1 Job': (d) => new Job(d),
  'networking.k8s.io/v1 NetworkPolicy': (d) => new NetworkPolicy(d),
  'policy/v1 PodDisruptionBudget': (d) => new PodDisruptionBudget(d),
  'v1 ConfigMap': (d) => new ConfigMap(d),
  'v1 PersistentVolumeClaim': (d) => new PersistentVolumeClaim(d),
  'v1 Service': (d) => new Service(d),
};

export interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  name: string;
  // the parsed document: its shape is what the schema check is for
  body: Record<string, unknown>;
}

/** Every document of a YAML text, each checked; problems are `file: kind/name: message` lines. */
export function checkManifestText(file: string, text: string): { manifests: Manifest[]; problems: string[] } {
  const manifests: Manifest[] = [];
  const problems: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) {
      problems.push(`${file}: YAML: ${doc.errors[0]!.message}`);
      continue;
    }
    const body: unknown = doc.toJS();
    if (body === null || body === undefined) continue;
    if (typeof body !== 'object' || Array.isArray(body)) {
      problems.push(`${file}: a document is not a mapping`);
      continue;
    }
    const record = body as Record<string, unknown>;
    const { apiVersion, kind } = record;
    const metadata = record.metadata as { name?: unknown } | undefined;
    const name = typeof metadata?.name === 'string' ? metadata.name : '(no name)';
    const where = `${file}: ${String(kind)}/${name}`;
    const model = MODELS[`${String(apiVersion)} ${String(kind)}`];
    if (!model) {
      problems.push(`${where}: no schema for apiVersion ${String(apiVersion)} kind ${String(kind)}`);
      continue;
    }
    try {
      model(record as never).validate();
    } catch (e) {
      problems.push(`${where}: ${e instanceof Error ? e.message : String(e)}`);
    }
    manifests.push({ file, apiVersion: String(apiVersion), kind: String(kind), name, body: record });
  }
  return { manifests, problems };
}

/** Every *.yaml file of `dir`. */
export function checkManifestDir(dir = K8S_DIR): { manifests: Manifest[]; problems: string[] } {
  const manifests: Manifest[] = [];
  const problems: string[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.yaml'))
    .sort()) {
    const r = checkManifestText(f, readFileSync(join(dir, f), 'utf8'));
    manifests.push(...r.manifests);
    problems.push(...r.problems);
  }
  return { manifests, problems };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { manifests, problems } = checkManifestDir(process.argv[2] ? resolve(process.argv[2]) : K8S_DIR);
  for (const p of problems) process.stderr.write(`${p}\n`);
  process.stdout.write(`${manifests.length} manifests checked, ${problems.length} problems\n`);
  process.exitCode = problems.length ? 1 : 0;
}
