/**
 * One client connection to an SCPI server, bound to one instrument (INST:SEL on every connect). It
 * runs one exchange at a time: the command, then `;:SYST:ERR?` on the same line, so every exchange
 * gets exactly one reply line ending in the error queue's oldest entry, and a device error is known
 * without a second round trip. Any failure other than a device error drops the socket, so a late
 * reply can never be taken for the next command's; the next exchange reconnects.
 */
import { connect, type Socket } from 'node:net';
import { DriverError } from '../drivers.ts';
import { driverErrorOf } from './errors.ts';
import { splitOutsideQuotes } from './parser.ts';

export interface ScpiLinkOptions {
  host: string;
  port: number;
  /** Per exchange: no reply line within this many ms is DriverError 'timeout'. */
  timeoutMs: number;
  /** Connection attempts before DriverError 'disconnected'. Default 5. */
  reconnectAttempts?: number;
  /** Delay before the second attempt; doubles per attempt, up to 2 s. Default 100. */
  reconnectDelayMs?: number;
  /** A longer reply is DriverError 'malformed_reply'. Default 16 MiB. */
  maxReplyBytes?: number;
}

export interface ExchangeOptions {
  query: boolean;
  /** Safe to send again after the link dropped mid-exchange (a query with no side effect). */
  idempotent: boolean;
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
}

const ERROR_ENTRY = /^([+-]?\d+),"([^"]*)"$/;

/** Splits `payload;code,"message"` (a message may hold `;`, SCPI-99's detail separator); a nonzero code is the device's error. */
export function parseExchangeReply(line: string, query: boolean): string {
  let units: string[] = [];
  try {
    units = splitOutsideQuotes(line, ';');
  } catch {
    // an unbalanced quote: no entry will match below
  }
  const m = ERROR_ENTRY.exec(units.pop() ?? '');
  if (!m) throw new DriverError('malformed_reply', `no error queue entry at the end of: ${preview(line)}`);
  const code = Number(m[1]);
  if (code !== 0) throw driverErrorOf(code, m[2] ?? '');
  const payload = units.length ? units.join(';') : undefined;
  if (query && payload === undefined) throw new DriverError('malformed_reply', 'query answered nothing');
  if (!query && payload !== undefined)
    throw new DriverError('malformed_reply', `command answered: ${preview(payload)}`);
  return payload ?? '';
}

export function preview(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}

class LinkDropped extends Error {}

export class ScpiLink {
  private socket: Socket | null = null;
  private lines: string[] = [];
  private partial = '';
  private reader: { resolve: (line: string) => void; reject: (err: Error) => void } | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly options: ScpiLinkOptions,
    /** Sent after each connect, e.g. `INST:SEL TEMP;:FORM:TST ON`. */
    private readonly setup: string,
  ) {}

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  /** Sends one command (or query) and returns the query's answer ('' for a command). */
  exchange(command: string, options: ExchangeOptions): Promise<string> {
    const run = this.tail.then(() => this.run(command, options));
    this.tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.fail(new LinkDropped('closed by the client'));
    await this.tail;
  }

  private async run(command: string, options: ExchangeOptions): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      if (options.signal?.aborted) throw new DriverError('cancelled', `${command}: cancelled`);
      await this.ensureConnected(options.signal);
      try {
        const line = await this.roundTrip(
          command,
          options.timeoutMs ?? this.options.timeoutMs,
          options.signal,
        );
        return parseExchangeReply(line, options.query);
      } catch (err) {
        // A reply that breaks the protocol may leave more of itself behind: start clean next time.
        if (err instanceof DriverError && err.code === 'malformed_reply')
          this.fail(new LinkDropped('malformed reply'));
        if (!(err instanceof LinkDropped)) throw err;
        if (!options.idempotent || attempt > 0 || this.closed)
          throw new DriverError('disconnected', `${command}: link lost before the reply (${err.message})`, {
            cause: err,
          });
      }
    }
  }

  private async ensureConnected(signal: AbortSignal | undefined): Promise<void> {
    if (this.socket) return;
    if (this.closed) throw new DriverError('disconnected', 'the link is closed');
    const attempts = this.options.reconnectAttempts ?? 5;
    let delay = this.options.reconnectDelayMs ?? 100;
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) {
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 2000);
      }
      try {
        await this.open(signal);
        const reply = await this.roundTrip(`*CLS;:${this.setup}`, this.options.timeoutMs, signal);
        parseExchangeReply(reply, false);
        return;
      } catch (err) {
        if (!(err instanceof LinkDropped)) {
          this.fail(new LinkDropped('set-up failed'));
          throw err;
        }
        last = err;
      }
    }
    const { host, port } = this.options;
    throw new DriverError('disconnected', `cannot reach ${host}:${port} after ${attempts} attempts`, {
      cause: last,
    });
  }

  private open(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.options.host, port: this.options.port });
      const timer = setTimeout(
        () => fail(new DriverError('timeout', 'connect timed out')),
        this.options.timeoutMs,
      );
      const onAbort = () => fail(new DriverError('cancelled', 'connect cancelled'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (err: Error) => {
        settle();
        socket.destroy();
        reject(err);
      };
      socket.once('error', (err) => fail(new LinkDropped(err.message)));
      socket.once('connect', () => {
        settle();
        socket.removeAllListeners('error');
        this.attach(socket);
        resolve();
      });
    });
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    this.lines = [];
    this.partial = '';
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    const limit = this.options.maxReplyBytes ?? 16 * 1024 * 1024;
    socket.on('data', (chunk: string) => {
      let rest = chunk;
      for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n')) {
        this.lines.push((this.partial + rest.slice(0, nl)).replace(/\r$/, ''));
        this.partial = '';
        rest = rest.slice(nl + 1);
      }
      this.partial += rest;
      if (this.partial.length > limit)
        this.fail(new DriverError('malformed_reply', `reply longer than ${limit} bytes`));
      else this.deliver();
      // A line nobody asked for means the two sides disagree on where replies start: start clean.
      if (this.lines.length > 0) this.fail(new LinkDropped('a reply nobody asked for'));
    });
    socket.on('error', () => undefined); // 'close' follows and reports it
    socket.on('close', () => {
      if (this.socket === socket) this.fail(new LinkDropped('connection closed by the server'));
    });
  }

  private deliver(): void {
    const reader = this.reader;
    const line = reader ? this.lines.shift() : undefined;
    if (!reader || line === undefined) return;
    this.reader = null;
    reader.resolve(line);
  }

  /** Rejects the pending read with `err` and forgets the socket. */
  private fail(err: Error): void {
    const reader = this.reader;
    this.reader = null;
    this.socket?.destroy();
    this.socket = null;
    reader?.reject(err);
  }

  private roundTrip(line: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<string> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new LinkDropped('not connected'));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(new DriverError('timeout', `no reply to ${preview(line)} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onAbort = () => this.fail(new DriverError('cancelled', `${preview(line)} cancelled`));
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.reader = {
        resolve: (reply) => {
          settle();
          resolve(reply);
        },
        reject: (err) => {
          settle();
          reject(err);
        },
      };
      socket.write(`${line};:SYST:ERR?\n`);
    });
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DriverError('cancelled', 'cancelled while reconnecting'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
