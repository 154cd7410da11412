import { type Static, Type } from 'typebox';
import { Code, NullableString, Reason, Timestamp } from '../../platform/http/common-schemas.ts';
import { builtInSpectra } from './identifier.ts';

/** Most points a spectrum in a request may have (the detector gives 1,024; the body limit allows this). */
export const MAX_POINTS = 8192;
/** Largest JCAMP-DX file a reference upload takes. */
export const JCAMP_MAX_BYTES = 2 * 1024 * 1024;

export const ReferenceId = Type.String({
  pattern: '^[A-Z][A-Z0-9-]{1,63}$',
  description:
    'Upper-case letters, digits and hyphens, e.g. REF-FORM-II; SIM- is kept for the built-in references',
});
export const FormName = Type.String({
  pattern: '^[a-z][a-z0-9_]{0,63}$',
  description: "The form the spectrum stands for, e.g. 'form_i', 'form_ii', 'dissolved', 'solvent'",
});
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

export const ReferenceParams = Type.Object({ referenceId: ReferenceId });
const RUN_ID = { pattern: '^RUN-[0-9]{8}-[0-9A-F]{6}$', maxLength: 32 };
const RunId = Type.String(RUN_ID);
export const RunParams = Type.Object({ runId: RunId });
export const ReferenceVersionParams = Type.Object({
  referenceId: ReferenceId,
  version: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
});

export const ReferenceVersionView = Type.Object(
  {
    reference_id: ReferenceId,
    version: Type.Integer({ minimum: 1 }),
    sha256: Type.String({ description: 'SHA-256 (hex) of the stored spectrum JSON {"x","y"}' }),
    points: Type.Integer({ minimum: 0 }),
    x_min: Type.Number(),
    x_max: Type.Number(),
    file_name: NullableString({ description: 'The JCAMP-DX file it came from (null for built-in ones)' }),
    file_sha256: NullableString(),
    uploaded_by: Type.String(),
    uploaded_at: Timestamp,
  },
  { title: 'ReferenceVersion', additionalProperties: false },
);
export type ReferenceVersionView = Static<typeof ReferenceVersionView>;

export const ReferenceView = Type.Object(
  {
    reference_id: ReferenceId,
    name: Type.String(),
    form: FormName,
    source: Type.String(),
    built_in: Type.Boolean({ description: "The simulator's noise-free forms, present in every lab" }),
    status: Type.Union([Type.Literal('active'), Type.Literal('retired')]),
    latest_version: Type.Integer({ minimum: 1 }),
    lab_id: NullableString({ description: 'null for built-in references' }),
    created_by: Type.String(),
    created_at: Timestamp,
    retired_by: NullableString(),
    retired_at: Type.Union([Timestamp, Type.Null()]),
    retire_reason: NullableString(),
  },
  { title: 'PolymorphReference', additionalProperties: false },
);
export type ReferenceView = Static<typeof ReferenceView>;

export const ReferenceList = Type.Object(
  { items: Type.Array(ReferenceView) },
  { title: 'PolymorphReferenceList', additionalProperties: false },
);
export const ReferenceVersionList = Type.Object(
  { items: Type.Array(ReferenceVersionView) },
  { title: 'ReferenceVersionList', additionalProperties: false },
);

export const SpectrumInput = Type.Object(
  {
    x: Type.Array(Type.Number(), {
      minItems: 16,
      maxItems: MAX_POINTS,
      description: 'Raman shift, cm-1, strictly ascending',
    }),
    y: Type.Array(Type.Number(), { minItems: 16, maxItems: MAX_POINTS, description: 'Intensity at each x' }),
  },
  { additionalProperties: false },
);

export const ReferenceVersionDetail = Type.Object(
  { ...ReferenceVersionView.properties, spectrum: SpectrumInput },
  { title: 'ReferenceVersionDetail', additionalProperties: false },
);
export type ReferenceVersionDetail = Static<typeof ReferenceVersionDetail>;

/**
 * A reference upload: a multipart form. The handler reads the parts itself (fields first, then one
 * file), so the parsed body that validation sees is empty (null); the form is what the document shows.
 */
const jcampFile = Type.Unsafe<unknown>({
  type: 'string',
  contentMediaType: 'chemical/x-jcamp-dx',
  description: `A JCAMP-DX file (XYDATA or PEAK TABLE), at most ${JCAMP_MAX_BYTES / 1024 / 1024} MB`,
});
export const ReferenceUpload = Type.Union(
  [
    Type.Object(
      {
        reference_id: ReferenceId,
        name: Type.String({ minLength: 1, maxLength: 200 }),
        form: FormName,
        source: Type.String({ minLength: 1, maxLength: 500 }),
        file: jcampFile,
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  {
    description: 'Fields reference_id, name, form, source, then one part named "file"',
    examples: [
      {
        reference_id: 'REF-FORM-II',
        name: 'Form II, batch 24-117, 785 nm',
        form: 'form_ii',
        source: 'Raman R-02, dry powder, 10 x 1 s',
        file: '##TITLE=Form II ... ##XYDATA=(X++(Y..Y)) ... ##END=',
      },
    ],
  },
);
export const ReferenceVersionUpload = Type.Union(
  [Type.Object({ file: jcampFile }, { additionalProperties: false }), Type.Null()],
  {
    description: 'One part named "file": the new spectrum of the reference',
    examples: [{ file: '##TITLE=Form II ... ##XYDATA=(X++(Y..Y)) ... ##END=' }],
  },
);
export type ReferenceFields = { reference_id: string; name: string; form: string; source: string };

export const ReferenceRetire = Type.Object(
  { reason: Reason },
  {
    additionalProperties: false,
    examples: [{ reason: 'Superseded by REF-FORM-II-B (new batch, better signal)' }],
  },
);

/** A reference version a workflow or request pins: REF-ID@version. */
export const ReferencePin = Type.String({
  pattern: '^[A-Z][A-Z0-9-]{1,63}@[1-9][0-9]{0,6}$',
  description: 'reference_id@version, e.g. REF-FORM-II@2',
});

export const IdentifyRequest = Type.Object(
  {
    spectrum: SpectrumInput,
    references: Type.Optional(
      Type.Array(ReferencePin, {
        minItems: 1,
        maxItems: 20,
        uniqueItems: true,
        description: "The library to identify against; default: the lab's built-in simulator references",
      }),
    ),
    run_id: Type.Optional(Type.String({ ...RUN_ID, description: 'Link to this run' })),
    step_id: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z0-9_]{0,63}$',
        description: "The run's step the spectrum belongs to",
      }),
    ),
    sample_id: Type.Optional(Code),
  },
  { additionalProperties: false, examples: [identifyExample()] },
);
export type IdentifyRequest = Static<typeof IdentifyRequest>;

const Fraction = Type.Object(
  {
    value: Type.Number({ minimum: 0, maximum: 1 }),
    uncertainty: Type.Number({ minimum: 0, description: 'one standard deviation' }),
  },
  { additionalProperties: false },
);

export const IdentificationView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    origin: Type.Union([Type.Literal('api'), Type.Literal('run')]),
    run_id: NullableString(),
    step_id: NullableString(),
    sample_id: NullableString(),
    measured_at: Timestamp,
    form: Type.String({ description: "The form with the largest fraction, or 'none' without crystals" }),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    fractions: Type.Record(Type.String(), Fraction, { description: 'Share of each form of the compound' }),
    hits: Type.Array(
      Type.Object(
        {
          reference_id: Type.String(),
          version: Type.Integer({ minimum: 1 }),
          form: Type.String(),
          hqi: Type.Number({ description: 'Hit-quality index 0..1 (squared correlation)' }),
        },
        { additionalProperties: false },
      ),
    ),
    preprocessing: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
      description: 'Each preprocessing step applied, in order, with its parameters',
    }),
    references: Type.Array(
      Type.Object(
        { reference_id: Type.String(), version: Type.Integer(), form: Type.String(), sha256: Sha256 },
        { additionalProperties: false },
      ),
    ),
    spectrum_sha256: Sha256,
    created_by: Type.String(),
    created_at: Timestamp,
  },
  { title: 'PolymorphIdentification', additionalProperties: false },
);
export type IdentificationView = Static<typeof IdentificationView>;

export const RunIdentification = Type.Object(
  {
    run_id: Type.String(),
    series: Type.Array(
      Type.Object(
        {
          measured_at: Timestamp,
          step_id: NullableString(),
          form: Type.String(),
          confidence: Type.Number(),
          crystalline: Type.Number({
            description: 'Share of the compound that is crystalline (not dissolved)',
          }),
          fractions: Type.Record(Type.String(), Type.Number()),
        },
        { additionalProperties: false },
      ),
    ),
    onset: Type.Union([
      Type.Object(
        {
          at: Timestamp,
          index: Type.Integer({ minimum: 0, description: 'The first series point after the change' }),
        },
        { additionalProperties: true },
      ),
      Type.Null(),
    ]),
    last: Type.Union([IdentificationView, Type.Null()]),
  },
  { title: 'RunIdentification', additionalProperties: false },
);
export type RunIdentification = Static<typeof RunIdentification>;

/** The example request: Form II in the solvent, drawn from the built-in references at every 8th point. */
function identifyExample() {
  const refs = builtInSpectra();
  const formII = refs.find((r) => r.form === 'form_ii');
  const solvent = refs.find((r) => r.form === 'solvent');
  if (!formII || !solvent) return { spectrum: { x: [], y: [] } };
  const keep = formII.x.map((_, i) => i).filter((i) => i % 8 === 0 || i === formII.x.length - 1);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    spectrum: {
      x: keep.map((i) => round(formII.x[i]!)),
      y: keep.map((i) => round(formII.y[i]! + solvent.y[i]!)),
    },
  };
}
