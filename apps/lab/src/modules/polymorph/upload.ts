// A reference upload: a multipart form with text fields first, then one JCAMP-DX file. The file is
// small (JCAMP_MAX_BYTES) and must be parsed whole, so it is read into memory; a file over the limit
// is 413, a second file or an unknown field 400. Nothing is stored until the whole form has been read.
import type { Multipart } from '@fastify/multipart';
import { type FieldError, HttpProblem } from '../../platform/http/problem.ts';
import { JCAMP_MAX_BYTES, type ReferenceFields } from './schemas.ts';

const badRequest = (detail: string, field?: string) =>
  new HttpProblem(
    400,
    field ? 'validation-error' : 'bad-request',
    field ? 'Invalid request' : 'Bad request',
    detail,
    field ? [{ field, message: detail }] : undefined,
  );

export const fileTooLarge = () =>
  new HttpProblem(
    413,
    'reference-file-too-large',
    'Reference file too large',
    `A JCAMP-DX reference file is limited to ${JCAMP_MAX_BYTES / 1024 / 1024} MB`,
  );

const LIMITS = new Set(['FST_PARTS_LIMIT', 'FST_FILES_LIMIT', 'FST_FIELDS_LIMIT']);

function partsError(err: unknown): unknown {
  const code = (err as { code?: string }).code;
  if (err instanceof HttpProblem) return err;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return fileTooLarge();
  if (code && LIMITS.has(code)) return badRequest('Send the fields and exactly one file');
  return badRequest('The multipart form is malformed or ends before its closing boundary');
}

export interface UploadedForm {
  fields: Record<string, string>;
  file: { fileName: string; text: string };
}

/** The form's fields (only `allowed` ones) and its one file, read whole. */
export async function readUpload(
  parts: AsyncIterableIterator<Multipart>,
  allowed: readonly string[],
): Promise<UploadedForm> {
  const fields: Record<string, string> = {};
  let file: UploadedForm['file'] | undefined;
  try {
    for await (const part of parts) {
      if (part.type === 'field') {
        if (!allowed.includes(part.fieldname)) throw badRequest(`unknown field`, `body.${part.fieldname}`);
        if (part.fieldnameTruncated || part.valueTruncated)
          throw badRequest('is too long', `body.${part.fieldname}`);
        fields[part.fieldname] = String(part.value);
        continue;
      }
      if (part.fieldname !== 'file')
        throw badRequest('the file part must be named "file"', `body.${part.fieldname}`);
      if (file) throw badRequest('Send exactly one file');
      const bytes = await part.toBuffer();
      if (part.file.truncated) throw fileTooLarge();
      file = { fileName: part.filename || 'reference.jdx', text: bytes.toString('utf8') };
    }
  } catch (err) {
    throw partsError(err);
  }
  if (!file) throw badRequest('no file in the upload', 'body.file');
  return { fields, file };
}

const FIELD_RULES: Record<keyof ReferenceFields, { pattern: RegExp; message: string }> = {
  reference_id: {
    pattern: /^[A-Z][A-Z0-9-]{1,63}$/,
    message: 'must be 2-64 upper-case letters, digits and hyphens, starting with a letter',
  },
  name: { pattern: /^(?=.*\S)[^\0]{1,200}$/s, message: 'must be 1-200 characters' },
  form: { pattern: /^[a-z][a-z0-9_]{0,63}$/, message: "must be a lower-case identifier such as 'form_ii'" },
  source: { pattern: /^(?=.*\S)[^\0]{1,500}$/s, message: 'must be 1-500 characters' },
};

/** The create form's fields, checked as the JSON schema would (multipart bodies are not validated by it). */
export function referenceFields(fields: Record<string, string>): ReferenceFields {
  const errors: FieldError[] = [];
  for (const [name, rule] of Object.entries(FIELD_RULES)) {
    const value = fields[name];
    if (value === undefined) errors.push({ field: `body.${name}`, message: 'is required' });
    else if (!rule.pattern.test(value)) errors.push({ field: `body.${name}`, message: rule.message });
  }
  if (errors.length > 0) {
    throw new HttpProblem(
      400,
      'validation-error',
      'Invalid request',
      'The reference fields are invalid',
      errors,
    );
  }
  return {
    reference_id: fields['reference_id']!,
    name: fields['name']!,
    form: fields['form']!,
    source: fields['source']!,
  };
}
