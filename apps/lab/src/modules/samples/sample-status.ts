export const SAMPLE_STATUSES = ['active', 'quarantined', 'consumed', 'disposed'] as const;
export type SampleStatus = (typeof SAMPLE_STATUSES)[number];

/** Allowed status transitions; anything else is a 409. Disposed is final. */
export const SAMPLE_TRANSITIONS: Readonly<Record<SampleStatus, readonly SampleStatus[]>> = {
  active: ['quarantined', 'consumed', 'disposed'],
  quarantined: ['active', 'disposed'],
  consumed: ['disposed'],
  disposed: [],
};

export function canTransition(from: string, to: string): boolean {
  return from === to || (SAMPLE_TRANSITIONS[from as SampleStatus]?.includes(to as SampleStatus) ?? false);
}
