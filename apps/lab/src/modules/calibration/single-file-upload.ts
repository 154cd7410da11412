// A certificate upload is one whole file. The file is streamed to its store, so a second part or a form
// that ends early is found only as the stream ends: the stream then fails instead of ending, and the
// store keeps nothing.
import { Readable } from 'node:stream';
import type { Multipart, MultipartFile } from '@fastify/multipart';
import { HttpProblem } from '../../platform/http/problem.ts';

const badRequest = (detail: string) => new HttpProblem(400, 'bad-request', 'Bad request', detail);
const LIMITS = new Set(['FST_PARTS_LIMIT', 'FST_FILES_LIMIT', 'FST_FIELDS_LIMIT']);

/** A multipart parser error as the client's fault: a 400, except a file over its size limit (413). */
function uploadError(err: unknown): unknown {
  const code = (err as { code?: string }).code;
  if (err instanceof HttpProblem || code === 'FST_REQ_FILE_TOO_LARGE') return err;
  if (code && LIMITS.has(code)) return badRequest('Send exactly one file');
  return badRequest('The multipart form is malformed or ends before its closing boundary');
}

/**
 * The upload's only file, as a stream that ends only once the whole form has been read and held
 * nothing else. A file cut short by the size limit ends normally, still marked `truncated`, so that
 * the store answers it as too large.
 */
export async function singleFile(
  parts: AsyncIterableIterator<Multipart>,
): Promise<{ stream: NodeJS.ReadableStream; filename: string }> {
  let first: IteratorResult<Multipart>;
  try {
    first = await parts.next();
  } catch (err) {
    throw uploadError(err);
  }
  if (first.done) throw badRequest('No file in the upload');
  if (first.value.type !== 'file') throw badRequest('Send exactly one file');
  const part: MultipartFile = first.value;
  async function* whole() {
    try {
      for await (const chunk of part.file) yield chunk as Buffer;
    } catch (err) {
      throw uploadError(err);
    }
    if (part.file.truncated) return;
    let rest: IteratorResult<Multipart>;
    try {
      rest = await parts.next();
    } catch (err) {
      throw uploadError(err);
    }
    if (!rest.done) throw badRequest('Send exactly one file');
  }
  const stream = Readable.from(whole(), { objectMode: false });
  Object.defineProperty(stream, 'truncated', { get: () => part.file.truncated });
  return { stream, filename: part.filename };
}
