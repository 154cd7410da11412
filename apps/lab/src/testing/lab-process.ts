import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HANG_GUARD_MS, waitFor } from './wait.ts';

const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `npm run lab -- <args>` as a real child process (through tsx, as npm does). `limitMs` only
 * guards against a hang: the child is killed and the promise rejects.
 */
export function runLabCli(
  args: string[],
  env: Record<string, string> = {},
  limitMs = HANG_GUARD_MS,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: { ...process.env, POLYMORPH_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lab ${args.join(' ')} did not finish in ${limitMs} ms\n${stderr}`));
    }, limitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface LabServer {
  child: ChildProcess;
  baseUrl: string;
  /** Parsed pino lines printed so far. */
  logs: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `npm run lab -- start` on the given port and waits until /health answers 200, or the process
 * exits (rejects with its stderr). `limitMs` only guards against a hang; how fast the lab starts is
 * measured by `npm run bench:startup`.
 */
export async function startLabServer(
  port: number,
  env: Record<string, string>,
  limitMs = HANG_GUARD_MS,
): Promise<LabServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start'], {
    env: {
      ...process.env,
      POLYMORPH_LOG_LEVEL: 'info',
      POLYMORPH_HOST: '127.0.0.1',
      POLYMORPH_PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    buffered += d;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) logs.push(JSON.parse(line));
  });
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  try {
    await waitFor(`lab server on port ${port} to answer /health`, limitMs, async () => {
      if (gone()) return true;
      const res = await fetch(`${baseUrl}/health`);
      await res.body?.cancel();
      return res.status === 200;
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`lab server on port ${port} did not answer /health: ${stderr}`, { cause: err });
  }
  if (gone())
    throw new Error(
      `lab server exited (${child.exitCode ?? child.signalCode}) before answering /health: ${stderr}`,
    );
  return { child, baseUrl, logs, exited };
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
