import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HANG_GUARD_MS, waitFor } from './wait.ts';

const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));

export interface InstrumentSimProcess {
  child: ChildProcess;
  host: string;
  port: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** SIGKILL if still running (for afterEach). */
  kill(): void;
}

/**
 * Starts `npm run lab -- instrument-sim <args>` as a real child process and waits for its
 * "listening on HOST:PORT" line: the simulated reactor on a real TCP port, as an instrument would be.
 */
export async function startInstrumentSim(args: string[]): Promise<InstrumentSimProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'instrument-sim', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  await waitFor(
    'instrument-sim to listen',
    HANG_GUARD_MS,
    () => /listening on/.test(stdout) || child.exitCode !== null,
  );
  const match = /listening on ([\d.]+):(\d+)/.exec(stdout);
  if (!match) {
    kill();
    throw new Error(`instrument-sim did not start: ${stderr}`);
  }
  return { child, host: match[1] ?? '', port: Number(match[2]), exited, output: () => stdout, kill };
}
