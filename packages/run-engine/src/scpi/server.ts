/**
 * The SCPI server: serves a DeviceSet over TCP as one multi-function LXI-style instrument. Each
 * connection has its own selected instrument (INST:SEL), reply format and error queue; lines are
 * executed in order, one at a time. A malformed or oversized line queues an error and never ends the
 * connection; closing the connection aborts the command it was running.
 */
import { createServer, type Socket } from 'node:net';
import type { DeviceSet } from '../drivers.ts';
import {
  COMMANDS,
  type CommandContext,
  DEFAULT_SETTINGS,
  ERROR_QUEUE_LENGTH,
  type InstrumentSettings,
  type Session,
  type SimulatorControl,
} from './commands.ts';
import { SCPI_ERRORS, ScpiError, scpiErrorOf } from './errors.ts';
import { parseUnit, splitProgramMessage } from './parser.ts';
import { Params } from './wire.ts';

export interface ScpiServerOptions {
  devices: DeviceSet;
  port: number;
  /** Default 127.0.0.1: an instrument port is not exposed unless asked for. */
  host?: string;
  /** Present only when serving simulators: enables SIM:TRIP and SIM:RES. */
  simulator?: SimulatorControl;
  /** Further connections are refused (closed at once). Default 16: a run's DeviceSet takes 3. */
  maxConnections?: number;
  /** A longer line is discarded with error -223. Default 64 KiB. */
  maxLineBytes?: number;
}

export interface ScpiServer {
  host: string;
  port: number;
  /** Stops listening and closes every connection (aborting what they run). */
  close(): Promise<void>;
}

/** Lines read ahead of execution before the socket stops reading (TCP pushes back on the client). */
const MAX_PENDING_LINES = 32;

function pushError(session: Session, err: ScpiError): void {
  const { errors } = session;
  if (errors.length < ERROR_QUEUE_LENGTH) errors.push({ code: err.code, message: err.message });
  else {
    const [code, message] = SCPI_ERRORS.QUEUE_OVERFLOW;
    errors[ERROR_QUEUE_LENGTH - 1] = { code, message };
  }
}

/** Runs one program message; returns the reply line (query answers joined by `;`), if any. */
export async function executeLine(ctx: CommandContext, line: string): Promise<string | undefined> {
  let units: string[];
  try {
    units = splitProgramMessage(line);
  } catch (err) {
    pushError(ctx.session, scpiErrorOf(err));
    return undefined;
  }
  const replies: string[] = [];
  for (const text of units) {
    try {
      const unit = parseUnit(text);
      const found = COMMANDS.find((c) => c.query === unit.query && c.pattern.matches(unit.mnemonics));
      if (!found) throw new ScpiError('UNDEFINED_HEADER', unit.mnemonics.join(':') + (unit.query ? '?' : ''));
      const reply = await found.run(ctx, new Params(unit.params).expect(found.maxParams));
      if (reply !== undefined) replies.push(reply);
    } catch (err) {
      pushError(ctx.session, scpiErrorOf(err));
    }
  }
  return replies.length ? replies.join(';') : undefined;
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

function serveConnection(
  socket: Socket,
  shared: { devices: DeviceSet; settings: InstrumentSettings; simulator: SimulatorControl | undefined },
  maxLineBytes: number,
): void {
  const abort = new AbortController();
  const session: Session = { selected: 'spectrometer', timestamps: false, errors: [] };
  const ctx: CommandContext = { ...shared, session, options: { signal: abort.signal } };
  const pending: string[] = [];
  let partial: Buffer[] = [];
  let partialBytes = 0;
  let discarding = false;
  let running = false;

  const drain = async () => {
    if (running) return;
    running = true;
    try {
      for (let line = pending.shift(); line !== undefined && !socket.destroyed; line = pending.shift()) {
        const reply = await executeLine(ctx, line);
        // A client that does not read its replies is not buffered for: wait until they drain.
        if (reply !== undefined && !socket.destroyed && !socket.write(`${reply}\n`)) await drained(socket);
        if (socket.isPaused() && pending.length < MAX_PENDING_LINES / 2) socket.resume();
      }
    } finally {
      running = false;
    }
  };

  const tooLong = () => {
    pushError(session, new ScpiError('TOO_MUCH_DATA', `line longer than ${maxLineBytes} bytes`));
    partial = [];
    partialBytes = 0;
  };

  socket.on('data', (chunk: Buffer) => {
    let rest = chunk;
    for (let nl = rest.indexOf(0x0a); nl >= 0; nl = rest.indexOf(0x0a)) {
      const piece = rest.subarray(0, nl);
      rest = rest.subarray(nl + 1);
      if (discarding) discarding = false;
      else if (partialBytes + piece.length > maxLineBytes) tooLong();
      else pending.push(Buffer.concat([...partial, piece]).toString('utf8'));
      partial = [];
      partialBytes = 0;
    }
    if (!discarding && rest.length) {
      partial.push(rest);
      partialBytes += rest.length;
      if (partialBytes > maxLineBytes) {
        tooLong();
        discarding = true;
      }
    }
    if (pending.length >= MAX_PENDING_LINES) socket.pause();
    void drain();
  });
  // A reset or broken pipe only ends this connection; the instrument keeps serving the others.
  socket.on('error', () => socket.destroy());
  socket.on('close', () => abort.abort());
}

export async function startScpiServer(options: ScpiServerOptions): Promise<ScpiServer> {
  const shared = {
    devices: options.devices,
    settings: { ...DEFAULT_SETTINGS },
    simulator: options.simulator,
  };
  const maxLineBytes = options.maxLineBytes ?? 64 * 1024;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    serveConnection(socket, shared, maxLineBytes);
  });
  server.maxConnections = options.maxConnections ?? 16;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
