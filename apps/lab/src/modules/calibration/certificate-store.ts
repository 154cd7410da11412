import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileTypeFromBuffer } from 'file-type';

export const CERTIFICATE_MAX_BYTES = 10 * 1024 * 1024;
/** Recognised from the bytes (magic numbers), never from the file name or the client's content type. */
export const CERTIFICATE_TYPES: Readonly<Record<string, string>> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
};

export class CertificateTypeError extends Error {
  constructor(readonly detected: string | null) {
    super(
      detected
        ? `file content is ${detected}; only PDF, PNG and JPEG certificates are accepted`
        : 'file content is not a recognised PDF, PNG or JPEG',
    );
  }
}

export class CertificateTooLargeError extends Error {}

export interface StoredCertificate {
  sha256: string;
  size: number;
  contentType: string;
  /** Relative to the data directory. */
  path: string;
}

/**
 * Content-addressed certificate files under <dataDir>/certificates/<sha256>. An upload streams into a
 * temporary file in the same directory while being hashed, is typed by its magic bytes, flushed to
 * disk, then renamed into place before it is recorded; the same content uploaded twice is stored once.
 * A failure at any step leaves no temporary file, and a file nobody recorded is removed again.
 */
export class CertificateStore {
  /** The work in progress per content hash: one upload of given bytes at a time, in this process. */
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(private readonly dataDir: string) {}

  private get dir() {
    return join(this.dataDir, 'certificates');
  }

  /**
   * Stores the upload, then runs `record` (the transaction that refers to it). If `record` fails, a
   * file this call put in place is removed, so no file outlives a rolled-back transaction. A full
   * disk fails before `record` runs, with the filesystem's error (ENOSPC or EDQUOT).
   */
  async put<T>(source: NodeJS.ReadableStream, record: (stored: StoredCertificate) => Promise<T>): Promise<T> {
    const temp = join(this.dir, `.upload-${randomBytes(8).toString('hex')}`);
    try {
      const stored = await this.receive(source, temp);
      return await this.exclusively(stored.sha256, () => this.placeAndRecord(temp, stored, record));
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** Streams the upload into `temp`, hashing it, and checks its size and type; flushed to disk. */
  private async receive(source: NodeJS.ReadableStream, temp: string): Promise<StoredCertificate> {
    await mkdir(this.dir, { recursive: true });
    const hash = createHash('sha256');
    let size = 0;
    await pipeline(
      source,
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      }),
      createWriteStream(temp, { flags: 'wx', mode: 0o640, flush: true }),
    );
    // The multipart parser stops at the limit and marks the stream truncated rather than failing it.
    if (size > CERTIFICATE_MAX_BYTES || (source as { truncated?: boolean }).truncated) {
      throw new CertificateTooLargeError(`certificates are limited to ${CERTIFICATE_MAX_BYTES} bytes`);
    }
    const head = Buffer.alloc(Math.min(size, 4100));
    const fh = await open(temp, 'r');
    try {
      await fh.read(head, 0, head.length, 0);
    } finally {
      await fh.close();
    }
    const type = await fileTypeFromBuffer(head);
    if (!type || !CERTIFICATE_TYPES[type.mime]) throw new CertificateTypeError(type?.mime ?? null);
    const sha256 = hash.digest('hex');
    return { sha256, size, contentType: type.mime, path: join('certificates', sha256) };
  }

  private async placeAndRecord<T>(
    temp: string,
    stored: StoredCertificate,
    record: (stored: StoredCertificate) => Promise<T>,
  ): Promise<T> {
    const target = join(this.dataDir, stored.path);
    const existed = await access(target).then(
      () => true,
      () => false,
    );
    await rename(temp, target);
    try {
      await syncDirectory(this.dir);
      return await record(stored);
    } catch (err) {
      // Only a file that was not there before: the same bytes may be another entry's certificate.
      if (!existed) await rm(target, { force: true });
      throw err;
    }
  }

  /** Runs `work` after any earlier work on the same hash, so a removal cannot race a second upload. */
  private async exclusively<T>(sha256: string, work: () => Promise<T>): Promise<T> {
    const run = (this.busy.get(sha256) ?? Promise.resolve()).then(work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.busy.set(sha256, settled);
    try {
      return await run;
    } finally {
      if (this.busy.get(sha256) === settled) this.busy.delete(sha256);
    }
  }

  /** The stored bytes, after checking they still hash to what was recorded. */
  async read(relativePath: string, expectedSha256: string): Promise<Buffer> {
    const full = join(this.dataDir, relativePath);
    await stat(full);
    const bytes = await readFile(full);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== expectedSha256)
      throw new Error(`certificate ${relativePath} hashes to ${actual}, recorded ${expectedSha256}`);
    return bytes;
  }
}

/** Makes a rename in `dir` durable before a transaction refers to the file. */
async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
