/**
 * The typed command set the interpreter executes, and the ports through which it reports and waits.
 * compile.ts turns a WorkflowDefinition into a CompiledWorkflow; bind() resolves its parameter
 * references with a run's values. A run's position is a Checkpoint: the next command to run and the
 * iteration of each loop, so a resumed run starts exactly at the step that did not finish.
 */
import type { DeviceSet, ExperimentClock, Reading, Spectrum } from './drivers.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A value in a compiled command: a number, or a parameter reference until bind() resolves it. */
export type NumberArg = number | { param: string };

export type ConditionCommand =
  | { kind: 'peak_above'; shiftCm1: number; windowCm1: number; threshold: NumberArg }
  | {
      kind: 'slope_below';
      signal: 'temperature' | 'peak';
      shiftCm1: number | null;
      perMinute: NumberArg;
      overS: NumberArg;
    }
  | { kind: 'classified_as'; stepId: string; label: string; minConfidence: number }
  | { kind: 'fraction_at_least'; stepId: string; form: string; value: NumberArg };

interface CommandBase {
  /** The definition step this command comes from. */
  stepId: string;
}

export type Command =
  | (CommandBase & { op: 'set_temperature'; setpointC: NumberArg })
  | (CommandBase & { op: 'ramp_temperature'; targetC: NumberArg; rateCPerMin: NumberArg })
  | (CommandBase & {
      op: 'acquire_spectrum';
      integrationTimeMs: NumberArg;
      averages: number;
      /** null: one spectrum; otherwise `count` spectra, one every `everyS` experiment seconds. */
      periodic: { everyS: NumberArg; count: number } | null;
    })
  | (CommandBase & { op: 'wait'; seconds: NumberArg })
  | (CommandBase & { op: 'hold'; seconds: NumberArg; toleranceC: number | null })
  | (CommandBase & { op: 'classify'; classifier: string; options: Record<string, number | string> })
  | (CommandBase & {
      op: 'set_output';
      output: 'digital' | 'analog';
      line: number;
      value: boolean | NumberArg;
    })
  | (CommandBase & { op: 'human_input'; prompt: string; signatureMeaning: string | null })
  /** Marks a loop's first body command; the loop's iteration counter starts at 1 here. */
  | (CommandBase & { op: 'loop_begin'; maxIterations: number; endIndex: number })
  /** Ends a loop's body: stop when the condition holds, fail at maxIterations, else jump to beginIndex + 1. */
  | (CommandBase & { op: 'loop_until'; condition: ConditionCommand; beginIndex: number });

export type CommandOp = Command['op'];

export interface CompiledWorkflow {
  /** SHA-256 (hex) of the definition's canonical JSON (RFC 8785): the definition's identity. */
  definitionHash: string;
  commands: Command[];
}

/** Where a run is: the next command to run and each open loop's iteration (by the loop_begin's stepId). */
export interface Checkpoint {
  pc: number;
  iterations: Record<string, number>;
}

/** A form's share of the sample, with its one-sigma uncertainty (both 0..1). */
export interface FormFraction {
  value: number;
  uncertainty: number;
}

export interface ClassifierResult {
  label: string;
  confidence: number;
  scores: Record<string, number>;
  /** Per form, when the classifier quantifies mixtures (polymorph identification does). */
  fractions?: Record<string, FormFraction>;
  /** What else the classifier wants kept with the result (top hits, preprocessing, references used). */
  detail?: { [key: string]: Json };
}

export type StepOutcome = 'completed' | 'failed' | 'aborted';

/** What the interpreter reports, in order. The lab persists them (audited) and streams them live. */
export type EngineEvent =
  | { type: 'step_started'; pc: number; stepId: string; op: CommandOp; iteration: number | null }
  | {
      type: 'step_ended';
      pc: number;
      stepId: string;
      op: CommandOp;
      iteration: number | null;
      outcome: StepOutcome;
      summary: Json;
      /** Where to resume once this event is stored: the checkpoint. */
      next: Checkpoint;
    }
  | {
      type: 'spectrum';
      pc: number;
      stepId: string;
      /** The spectrum that passed the guardrails, cosmic-ray spikes removed. */
      reading: Reading<Spectrum>;
      spikesRemoved: number;
      /** The acquisition as the detector gave it, present when spikes were removed: original data stays evidence. */
      raw?: Reading<Spectrum>;
    }
  | { type: 'temperature'; celsius: number; setpointC: number; at: number; simulated: boolean }
  | {
      type: 'classified';
      pc: number;
      stepId: string;
      result: ClassifierResult;
      /** When the classified spectrum was measured (its reading's `at`, epoch ms); absent on old events. */
      spectrumAt?: number;
    }
  | {
      type: 'interlock_tripped';
      lines: string[];
      /** Wall time the watchdog saw the trip, ms since the epoch. */
      at: number;
      /** Wall time every device had reached its safe state, ms since the epoch. */
      safeStateAt?: number;
      /** Trip seen to safe state, ms (monotonic clock): the figure the safety bound is about. */
      latencyMs?: number;
      /** Devices whose safeState() failed or timed out (none on a healthy rig). */
      safeStateErrors?: { device: string; message: string }[];
    };

/** A registered classifier (issue-agnostic hook: 'peak_ratio' now, polymorph identification later). */
export type Classifier = (spectrum: Spectrum, options: Record<string, number | string>) => ClassifierResult;

/** The operator's answer to a human_input step; the lab collects it (and its e-signature) over HTTP. */
export interface HumanInputAnswer {
  confirmedBy: string;
  signatureId: string | null;
}

/** What the interpreter needs from its host. The lab supplies persistence; tests can supply memory. */
export interface EngineContext {
  devices: DeviceSet;
  clock: ExperimentClock;
  classifiers: Record<string, Classifier>;
  /**
   * Store (and publish) one event. The interpreter awaits it before going on, so a step_ended that is
   * stored is a checkpoint; if it throws, the run stops there.
   */
  record(event: EngineEvent): Promise<void>;
  /** Wait for an operator to answer a human_input step; rejects when the signal aborts. */
  awaitHumanInput(
    command: Extract<Command, { op: 'human_input' }>,
    signal: AbortSignal,
  ): Promise<HumanInputAnswer>;
  /** Abort stops the run at once (current command cancelled); the engine then puts devices in safe state. */
  abortSignal: AbortSignal;
  /** Resolves immediately when not paused; a paused run waits here between commands. */
  pauseGate(): Promise<void>;
}

export type RunResult =
  | { status: 'completed'; checkpoint: Checkpoint }
  | { status: 'failed'; checkpoint: Checkpoint; error: { code: string; message: string } }
  | {
      status: 'aborted';
      checkpoint: Checkpoint;
      reason: string;
      /** Set when the interlock watchdog aborted the run: the tripped lines and the trip-to-safe latency. */
      trip?: { lines: string[]; at: number; safeStateAt: number; latencyMs: number };
    };
