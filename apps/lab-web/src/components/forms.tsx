// Form pieces that show the API's problem+json next to the field at fault, the same way on every screen.
import type { InputHTMLAttributes, ReactNode } from 'react';
import type { ProblemError } from '../api/client.ts';

/** The message for a field, from a validation problem's `errors[]` (`field` is e.g. `body.email`). */
export function fieldError(problem: ProblemError | null, field: string): string | undefined {
  return problem?.problem.errors?.find((e) => e.field === `body.${field}` || e.field === field)?.message;
}

/** True when some `errors[]` entry names one of the fields the form shows. */
function namesAField(problem: ProblemError, fields: readonly string[]): boolean {
  return fields.some((field) => fieldError(problem, field) !== undefined);
}

/** The problem as an alert, unless the form shows it next to one of its fields instead. */
export function ProblemAlert({
  problem,
  fields = [],
}: {
  problem: ProblemError | null;
  fields?: readonly string[];
}) {
  if (!problem || namesAField(problem, fields)) return null;
  return (
    <div role="alert" className="alert">
      <strong>{problem.problem.title}</strong>
      {problem.problem.detail && <p>{problem.problem.detail}</p>}
    </div>
  );
}

interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  error?: string | undefined;
  hint?: ReactNode;
}

/** A labelled input whose error and hint are tied to it for screen readers. */
export function TextField({ id, label, value, onChange, error, hint, ...input }: TextFieldProps) {
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <>
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      <input
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
        {...input}
      />
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </>
  );
}
