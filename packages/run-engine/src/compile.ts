/**
 * Compilation: a validated WorkflowDefinition becomes a flat command list the interpreter runs by
 * index. Each definition step is one command; a repeat_until becomes loop_begin, its body, then
 * loop_until, with each end pointing at the other so the interpreter never searches. Parameter
 * references stay as { param } until bind() resolves them with a run's values, so one compiled
 * workflow serves every run of a version.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Command, CompiledWorkflow, ConditionCommand } from './commands.ts';
import type { Condition, LeafStep, WorkflowDefinition } from './definition.ts';

/** SHA-256 (hex) over the definition's RFC 8785 canonical JSON: the definition's identity. */
export function hashDefinition(definition: WorkflowDefinition): string {
  const canonical = canonicalize(definition);
  if (canonical === undefined) throw new TypeError('definition has no JSON form');
  return createHash('sha256').update(canonical).digest('hex');
}

export function compile(definition: WorkflowDefinition): CompiledWorkflow {
  const commands: Command[] = [];
  for (const step of definition.steps) {
    if (step.type !== 'repeat_until') {
      commands.push(compileLeaf(step));
      continue;
    }
    const beginIndex = commands.length;
    const endIndex = beginIndex + step.steps.length + 1;
    commands.push({ stepId: step.id, op: 'loop_begin', maxIterations: step.max_iterations, endIndex });
    for (const inner of step.steps) commands.push(compileLeaf(inner));
    commands.push({ stepId: step.id, op: 'loop_until', condition: compileCondition(step.until), beginIndex });
  }
  return { definitionHash: hashDefinition(definition), commands };
}

function compileLeaf(step: LeafStep): Command {
  const stepId = step.id;
  switch (step.type) {
    case 'set_temperature':
      return { stepId, op: 'set_temperature', setpointC: step.setpoint_c };
    case 'ramp_temperature':
      return { stepId, op: 'ramp_temperature', targetC: step.target_c, rateCPerMin: step.rate_c_per_min };
    case 'acquire_spectrum':
      return {
        stepId,
        op: 'acquire_spectrum',
        integrationTimeMs: step.integration_time_ms,
        averages: step.averages ?? 1,
        periodic: step.periodic ? { everyS: step.periodic.every_s, count: step.periodic.count } : null,
      };
    case 'wait':
      return { stepId, op: 'wait', seconds: step.seconds };
    case 'hold':
      return { stepId, op: 'hold', seconds: step.seconds, toleranceC: step.tolerance_c ?? null };
    case 'classify':
      return { stepId, op: 'classify', classifier: step.classifier, options: step.options ?? {} };
    case 'set_output':
      return { stepId, op: 'set_output', output: step.output, line: step.line, value: step.value };
    case 'human_input':
      return {
        stepId,
        op: 'human_input',
        prompt: step.prompt,
        signatureMeaning: step.signature_meaning ?? null,
      };
  }
}

function compileCondition(condition: Condition): ConditionCommand {
  if ('peak_above' in condition) {
    const c = condition.peak_above;
    return { kind: 'peak_above', shiftCm1: c.shift_cm1, windowCm1: c.window_cm1, threshold: c.threshold };
  }
  if ('slope_below' in condition) {
    const c = condition.slope_below;
    return {
      kind: 'slope_below',
      signal: c.signal,
      shiftCm1: c.shift_cm1 ?? null,
      perMinute: c.per_minute,
      overS: c.over_s,
    };
  }
  if ('fraction_at_least' in condition) {
    const c = condition.fraction_at_least;
    return { kind: 'fraction_at_least', stepId: c.step, form: c.form, value: c.value };
  }
  const c = condition.classified_as;
  return { kind: 'classified_as', stepId: c.step, label: c.label, minConfidence: c.min_confidence ?? 0 };
}
