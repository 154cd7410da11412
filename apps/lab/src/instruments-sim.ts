/**
 * `npm run lab -- instrument-sim`: the simulated crystallization reactor served over SCPI on TCP, so a
 * run (or a person with `nc`) can drive it as it would a networked instrument. Fault injection
 * (SIM:TRIP, SIM:RES) is on, as only a simulator offers it.
 */

import { startScpiServer } from '@polymorph/run-engine/scpi/server';
import { createSimulatedReactor } from '@polymorph/run-engine/simulators/create-simulated-reactor';

export const INSTRUMENT_SIM_HELP = `Usage: npm run lab -- instrument-sim --port P [--host 127.0.0.1] [--seed N] [--acceleration X]

Serves the simulated crystallization reactor (Raman spectrometer, temperature controller, DAQ with
the e-stop, door and over-temperature interlocks) over SCPI on TCP, newline-terminated, as one
multi-function LXI-style instrument: INST:SEL SPEC|TEMP|DAQ picks the device *IDN? answers.
  --port P          TCP port (0 picks a free one); required
  --host H          address to listen on; default 127.0.0.1 (not exposed)
  --seed N          integer 0..2^32-1 making the run reproducible; default 1
  --acceleration X  experiment time per wall time, > 0; default 1
Prints "listening on HOST:PORT" once it serves; SIGINT or SIGTERM closes every connection and
exits 0. The command table is in docs/instruments.md.`;

export interface InstrumentSimSettings {
  host: string;
  port: number;
  seed: number;
  acceleration: number;
}

/** The settings, or the usage error's message. */
export function instrumentSimSettings(o: {
  port?: string | undefined;
  host?: string | undefined;
  seed?: string | undefined;
  acceleration?: string | undefined;
}): InstrumentSimSettings | string {
  if (o.port === undefined) return '--port is required';
  const port = Number(o.port);
  if (!/^\d+$/.test(o.port) || port > 65535) return `--port "${o.port}" must be an integer 0..65535`;
  const seed = Number(o.seed ?? '1');
  if (!/^\d+$/.test(o.seed ?? '1') || seed > 0xffffffff)
    return `--seed "${o.seed}" must be an integer 0..4294967295`;
  const acceleration = Number(o.acceleration ?? '1');
  if (!Number.isFinite(acceleration) || acceleration <= 0)
    return `--acceleration "${o.acceleration}" must be a number above 0`;
  const host = o.host ?? '127.0.0.1';
  if (host.trim() === '') return '--host must not be empty';
  return { host, port, seed, acceleration };
}

/** Serves until SIGINT or SIGTERM; returns the exit code. */
export async function serveInstrumentSim(settings: InstrumentSimSettings): Promise<number> {
  const { devices, reactor } = createSimulatedReactor({
    seed: settings.seed,
    acceleration: settings.acceleration,
  });
  const server = await startScpiServer({
    devices,
    host: settings.host,
    port: settings.port,
    simulator: {
      tripInterlock: (line) => reactor.trip(line),
      resetInterlocks: (line) => reactor.reset(line),
      firstNucleation: () => reactor.firstNucleation(),
    },
  });
  console.log(
    `listening on ${server.host}:${server.port} (SCPI; simulated reactor, seed ${settings.seed}, acceleration ${settings.acceleration})`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  await Promise.all(Object.values(devices).map((d) => d.close()));
  console.log(`stopped on ${signal}`);
  return 0;
}
