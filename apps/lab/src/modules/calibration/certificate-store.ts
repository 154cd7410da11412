import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
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
 * temporary file in the same directory while being hashed, is typed by its magic bytes, then renamed
 * into place; the same content uploaded twice is stored once.
 */
export class CertificateStore {
  constructor(private readonly dataDir: string) {}

  private get dir() {
    return join(this.dataDir, 'certificates');
  }

  async put(source: NodeJS.ReadableStream): Promise<StoredCertificate> {
    await mkdir(this.dir, { recursive: true });
    const temp = join(this.dir, `.upload-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      await pipeline(
        source,
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            hash.update(chunk);
            size += chunk.length;
            done(null, chunk);
          },
        }),
        createWriteStream(temp, { flags: 'wx', mode: 0o640 }),
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
      const path = join('certificates', sha256);
      await rename(temp, join(this.dataDir, path));
      return { sha256, size, contentType: type.mime, path };
    } finally {
      await rm(temp, { force: true });
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
