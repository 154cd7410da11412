// The Indexed Job of deploy/k8s/generate-job.yaml, run here: its exact command and arguments, one
// process per completion index at once, with the index and its environment expanded the way the
// kubelet expands $(VAR); only the row count and the volume path are set small and local.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { MANIFEST, type Manifest } from './manifest.ts';
import { HANG_GUARD_MS, REPO_ROOT, runCli, tmpDir } from './test-helpers.ts';

const JOB_FILE = path.join(REPO_ROOT, 'deploy/k8s/generate-job.yaml');

interface EnvVar {
  name: string;
  value?: string;
}
interface Container {
  command: string[];
  args: string[];
  env: EnvVar[];
  volumeMounts: { name: string; mountPath: string }[];
}
interface JobSpec {
  completionMode: string;
  completions: number;
  parallelism: number;
  template: { spec: { containers: Container[] } };
}

function readJob(): JobSpec {
  const docs = parseAllDocuments(fs.readFileSync(JOB_FILE, 'utf8')).map(
    (d) => d.toJS() as Record<string, unknown>,
  );
  const job = docs.find((d) => d.kind === 'Job');
  expect(job).toBeDefined();
  return job!.spec as JobSpec;
}

/** Kubernetes' $(VAR) expansion in command and args: defined names are replaced, others kept. */
function expand(s: string, env: Record<string, string>): string {
  return s.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string) => env[name] ?? m);
}

function run(cmd: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd[0]!, cmd.slice(1), {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const guard = setTimeout(() => p.kill('SIGKILL'), HANG_GUARD_MS);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stderr });
    });
  });
}

describe('deploy/k8s/generate-job.yaml', () => {
  it('is an Indexed Job whose completions equal the N of --shard, indexed by JOB_COMPLETION_INDEX', () => {
    const spec = readJob();
    expect(spec.completionMode).toBe('Indexed');
    const c = spec.template.spec.containers[0]!;
    const shard = c.args[c.args.indexOf('--shard') + 1];
    expect(shard).toBe(`$(JOB_COMPLETION_INDEX)/${spec.completions}`);
    const out = c.env.find((e) => e.name === 'DATASET_DIR')!.value!;
    expect(c.volumeMounts.some((m) => out.startsWith(`${m.mountPath}/`))).toBe(true);
  });

  it(
    "runs every index's exact command line in parallel into one dataset that verifies",
    async () => {
      const spec = readJob();
      const c = spec.template.spec.containers[0]!;
      const dir = path.join(tmpDir(), 'dataset');
      const declared = Object.fromEntries(
        c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]),
      );
      const local = { ...declared, SYNFINANCE_ROWS: '4000', DATASET_DIR: dir };
      const runs = Array.from({ length: spec.completions }, (_, i) => {
        const env = { ...local, JOB_COMPLETION_INDEX: String(i) };
        return run(
          [...c.command, ...c.args].map((s) => expand(s, env)),
          env,
        );
      });
      for (const r of await Promise.all(runs)) expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });

      const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as Manifest;
      expect(m.parts).toBe(spec.completions);
      expect(m.rows.transactions).toBe(4000);
      const v = runCli(['verify', dir]);
      expect(v.status, v.stdout + v.stderr).toBe(0);
    },
    HANG_GUARD_MS,
  );
});
