/**
 * The client drivers against broken servers: small raw `net` servers that speak the protocol wrongly
 * on purpose (a test double of the protocol, not of the devices). Each defined DriverError code the
 * link can raise is produced by a real socket misbehaving.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type DeviceSet, DriverError } from '../drivers.ts';
import { connectScpiDevices } from './client.ts';

/** What the broken server does with a line: a reply, nothing, or a half reply and a hang-up. */
type Script = (line: string, connection: number) => { reply: string } | 'silent' | { halfThenClose: string };

const OK = '0,"No error"';
const servers: Server[] = [];
const sets: DeviceSet[] = [];

afterEach(async () => {
  for (const set of sets.splice(0)) await Promise.all(Object.values(set).map((d) => d.close()));
  for (const server of servers.splice(0)) await new Promise((r) => server.close(r));
});

/** A server that answers the client's set-up (INST:SEL, SYST:SIM?) properly and `script` for the rest. */
async function brokenServer(script: Script): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    const connection = connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('*CLS;:INST:SEL')) socket.write(`${OK}\n`);
        else if (line.startsWith('SYST:SIM?')) socket.write(`1;${OK}\n`);
        else {
          const act = script(line, connection);
          if (act === 'silent') continue;
          if ('reply' in act) socket.write(`${act.reply}\n`);
          else socket.end(act.halfThenClose);
        }
      }
    });
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  // close() waits for open sockets; the afterEach hook destroys them through this listener.
  const close = server.close.bind(server);
  server.close = (cb) => {
    for (const s of sockets) s.destroy();
    return close(cb);
  };
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, connections: () => connections };
}

async function devicesOn(port: number, timeoutMs = 10_000): Promise<DeviceSet> {
  const set = await connectScpiDevices({ host: '127.0.0.1', port, timeoutMs, reconnectDelayMs: 20 });
  sets.push(set);
  return set;
}

describe('the SCPI client on a broken link', () => {
  it("gives 'timeout' when the server never answers", async () => {
    const { port } = await brokenServer(() => 'silent');
    const set = await devicesOn(port, 2000);
    const err = await set.temperature_controller.readTemperature().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriverError);
    expect(err).toMatchObject({ code: 'timeout' });
  });

  it("gives 'malformed_reply' for garbage, and works again on a fresh connection", async () => {
    const { port } = await brokenServer((line) =>
      line.startsWith('MEAS:TEMP?') ? { reply: '\u0007garbage;;"' } : { reply: `21.5,1000;${OK}` },
    );
    const set = await devicesOn(port);
    await expect(set.temperature_controller.readTemperature()).rejects.toMatchObject({
      code: 'malformed_reply',
    });
    expect((await set.temperature_controller.readSetpoint()).value).toBe(21.5);
  });

  it("gives 'malformed_reply' for a well-framed reply of the wrong shape", async () => {
    const { port } = await brokenServer((line) =>
      line.startsWith('MEAS:SPEC?') ? { reply: `1,100,1,65535,785,3,1,2,3,4;${OK}` } : { reply: `x;${OK}` },
    );
    const set = await devicesOn(port);
    await expect(set.spectrometer.acquire({ integrationTimeMs: 10, averages: 1 })).rejects.toMatchObject({
      code: 'malformed_reply',
    });
    await expect(set.daq.identify()).rejects.toMatchObject({ code: 'malformed_reply' });
  });

  it('drops a link that sends a reply nobody asked for, so replies never shift by one', async () => {
    const server = await brokenServer((line) =>
      line.startsWith('MEAS:TEMP?') ? { reply: `22,1;${OK}\n23,2;${OK}` } : { reply: `24,3;${OK}` },
    );
    const set = await devicesOn(server.port);
    expect((await set.temperature_controller.readTemperature()).value).toBe(22);
    expect((await set.temperature_controller.readSetpoint()).value).toBe(24);
    expect(server.connections()).toBe(4); // the stray line cost the temperature link a reconnect
  });

  it("gives 'device_error' for an error the device queues (read back with SYST:ERR?)", async () => {
    const { port } = await brokenServer(() => ({ reply: '-240,"Hardware error;heater open circuit"' }));
    const set = await devicesOn(port);
    const err = await set.temperature_controller.setSetpoint(30).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'device_error' });
    expect(String(err)).toContain('heater open circuit');
  });

  it('reconnects and asks again when the server hangs up mid-reply to a query', async () => {
    const server = await brokenServer((line, connection) =>
      line.startsWith('MEAS:TEMP?') && connection < 3
        ? { halfThenClose: '21.' }
        : { reply: `22.5,1000;${OK}` },
    );
    const set = await devicesOn(server.port);
    expect((await set.temperature_controller.readTemperature()).value).toBe(22.5);
    expect(server.connections()).toBe(4); // three set-up connections and one reconnect
  });

  it("gives 'disconnected' when a command's link drops mid-reply (its outcome is unknown)", async () => {
    const { port } = await brokenServer(() => ({ halfThenClose: '0,"No' }));
    const set = await devicesOn(port);
    await expect(set.temperature_controller.setSetpoint(30)).rejects.toMatchObject({ code: 'disconnected' });
  });

  it("gives 'disconnected' after the reconnection attempts when the server is gone", async () => {
    const server = await brokenServer((line) =>
      line.startsWith('MEAS:TEMP?') ? { halfThenClose: '' } : 'silent',
    );
    const set = await devicesOn(server.port);
    await new Promise((r) => servers.pop()?.close(r));
    const started = performance.now();
    const err = await set.temperature_controller.readTemperature().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'disconnected' });
    expect(String(err)).toMatch(/after 5 attempts/);
    // backoff 20, 40, 80, 160 ms between the five attempts
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
  });

  it("gives 'cancelled' when the caller aborts a command the server sits on", async () => {
    const { port } = await brokenServer(() => 'silent');
    const set = await devicesOn(port);
    const abort = new AbortController();
    const pending = set.spectrometer.acquire(
      { integrationTimeMs: 10, averages: 1 },
      { signal: abort.signal },
    );
    abort.abort();
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
  });
});
