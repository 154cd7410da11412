// The changes a sample can undergo from its detail page, each in a dialog that names the reason the
// audit trail records and shows the API's problem next to the field at fault: status, move, split.
import * as Dialog from '@radix-ui/react-dialog';
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { ProblemError } from '../../api/client.ts';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import { changeSample, type Sample, type SampleStatus, splitSample, TRANSITIONS } from './samples-api.ts';

interface ActionDialogProps {
  trigger: string;
  title: string;
  description: ReactNode;
  fields: readonly string[];
  disabled?: boolean;
  /** Sends the change; a ProblemError it throws is shown in the form. */
  submit(): Promise<unknown>;
  children(problem: ProblemError | null): ReactNode;
}

function ActionDialog({
  trigger,
  title,
  description,
  fields,
  disabled,
  submit,
  children,
}: ActionDialogProps) {
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<ProblemError | null>(null);
  const [busy, setBusy] = useState(false);
  const queryClient = useQueryClient();
  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await submit();
      await queryClient.invalidateQueries({ queryKey: ['samples'] });
      setOpen(false);
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      setProblem(error);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        setProblem(null);
      }}
    >
      <Dialog.Trigger asChild>
        <button type="button" disabled={disabled}>
          {trigger}
        </button>
      </Dialog.Trigger>
      <Dialog.Portal>
        {/* A plain backdrop: Radix's Overlay locks scrolling with an injected <style>, which the CSP blocks. */}
        <div className="dialog-overlay" />
        <Dialog.Content className="dialog">
          <Dialog.Title>{title}</Dialog.Title>
          <Dialog.Description>{description}</Dialog.Description>
          <form onSubmit={onSubmit} noValidate>
            <ProblemAlert problem={problem} fields={fields} />
            {children(problem)}
            <div className="actions">
              <Dialog.Close asChild>
                <button type="button" className="secondary">
                  Cancel
                </button>
              </Dialog.Close>
              <button type="submit" disabled={busy}>
                {busy ? 'Saving…' : 'Save'}
              </button>
            </div>
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

function ReasonField({
  value,
  onChange,
  problem,
  id,
}: {
  value: string;
  onChange(v: string): void;
  problem: ProblemError | null;
  id: string;
}) {
  return (
    <TextField
      id={id}
      label="Reason"
      hint="Recorded in the audit trail with the change (at least 3 characters)."
      value={value}
      onChange={onChange}
      error={fieldError(problem, 'reason')}
    />
  );
}

export function StatusDialog({ sample }: { sample: Sample }) {
  const allowed = TRANSITIONS[sample.status];
  const [status, setStatus] = useState<SampleStatus | ''>('');
  const [reason, setReason] = useState('');
  const statusError = (p: ProblemError | null) =>
    fieldError(p, 'status') ?? (status === '' && p ? 'Choose the new status' : undefined);
  return (
    <ActionDialog
      trigger="Change status…"
      title={`Change the status of ${sample.sample_id}`}
      description={`Now ${sample.status}. Allowed next: ${allowed.join(', ') || 'none (final)'}.`}
      fields={['status', 'reason']}
      disabled={allowed.length === 0 || sample.deleted_at !== null}
      submit={() => {
        if (status === '')
          throw new ProblemError({
            title: 'Choose the new status',
            status: 400,
            errors: [{ field: 'body.status', message: 'Choose the new status' }],
          });
        return changeSample(sample.sample_id, { status, reason });
      }}
    >
      {(problem) => (
        <>
          <label htmlFor="status-new">New status</label>
          <select
            id="status-new"
            value={status}
            aria-invalid={statusError(problem) ? true : undefined}
            aria-describedby={statusError(problem) ? 'status-new-error' : undefined}
            onChange={(e) => setStatus(allowed.find((s) => s === e.target.value) ?? '')}
          >
            <option value="">Choose…</option>
            {allowed.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          {statusError(problem) && (
            <p id="status-new-error" className="field-error">
              {statusError(problem)}
            </p>
          )}
          <ReasonField id="status-reason" value={reason} onChange={setReason} problem={problem} />
        </>
      )}
    </ActionDialog>
  );
}

export function MoveDialog({ sample }: { sample: Sample }) {
  const [container, setContainer] = useState(sample.container_id ?? '');
  const [reason, setReason] = useState('');
  return (
    <ActionDialog
      trigger="Move…"
      title={`Move ${sample.sample_id}`}
      description={`Now in ${sample.container_id ?? 'no container'}. Leave the container empty to take it out.`}
      fields={['container_id', 'reason']}
      disabled={sample.deleted_at !== null}
      submit={() => changeSample(sample.sample_id, { container_id: container.trim() || null, reason })}
    >
      {(problem) => (
        <>
          <TextField
            id="move-container"
            label="Container"
            value={container}
            onChange={setContainer}
            error={fieldError(problem, 'container_id')}
          />
          <ReasonField id="move-reason" value={reason} onChange={setReason} problem={problem} />
        </>
      )}
    </ActionDialog>
  );
}

/** "5, 5, 2.5" -> [5, 5, 2.5]; anything that is not a positive number makes the whole list invalid. */
function quantities(text: string): number[] | null {
  const parts = text.split(/[,;\s]+/).filter(Boolean);
  const values = parts.map(Number);
  return parts.length > 0 && values.every((v) => Number.isFinite(v) && v > 0) ? values : null;
}

export function SplitDialog({ sample }: { sample: Sample }) {
  const [text, setText] = useState('');
  const [relationship, setRelationship] = useState<'aliquot' | 'derivative'>('aliquot');
  const [reason, setReason] = useState('');
  // Errors on one child (body.children[i].quantity ...) are listed under the quantities field.
  const childErrors = (p: ProblemError | null) =>
    (p?.problem.errors ?? [])
      .filter((e) => e.field?.startsWith('body.children'))
      .map((e) => `${e.field?.replace('body.children', 'aliquot ')}: ${e.message}`)
      .join('; ') || undefined;
  return (
    <ActionDialog
      trigger="Split…"
      title={`Split ${sample.sample_id}`}
      description={`${sample.quantity ?? 'No'} ${sample.unit ?? ''} left. Each quantity becomes one new sample; the parent keeps the rest.`}
      fields={['children', 'reason']}
      disabled={sample.status !== 'active' || sample.deleted_at !== null}
      submit={() => {
        const values = quantities(text);
        if (!values)
          throw new ProblemError({
            title: 'Quantities needed',
            status: 400,
            errors: [{ field: 'body.children', message: 'Enter positive numbers separated by commas' }],
          });
        return splitSample(sample.sample_id, {
          children: values.map((quantity) => ({ quantity })),
          relationship,
          ...(reason ? { reason } : {}),
        });
      }}
    >
      {(problem) => (
        <>
          <TextField
            id="split-quantities"
            label={`Quantities (${sample.unit ?? 'units'})`}
            hint="One per new sample, separated by commas, e.g. 5, 5"
            value={text}
            onChange={setText}
            error={fieldError(problem, 'children') ?? childErrors(problem)}
          />
          <label htmlFor="split-relationship">Relationship</label>
          <select
            id="split-relationship"
            value={relationship}
            onChange={(e) => setRelationship(e.target.value === 'derivative' ? 'derivative' : 'aliquot')}
          >
            <option value="aliquot">aliquot</option>
            <option value="derivative">derivative</option>
          </select>
          <ReasonField id="split-reason" value={reason} onChange={setReason} problem={problem} />
        </>
      )}
    </ActionDialog>
  );
}
