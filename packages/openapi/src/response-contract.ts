// Checks real responses against the OpenAPI document the app itself serves: the status must be declared
// for the operation, the content type must be one it declares, and the body must match the schema.
// Validation is openapi-response-validator's; this file only finds the operation and reads the body.
import { fullFormats } from 'ajv-formats/dist/formats.js';
import OpenAPIResponseValidator, { type OpenAPIResponseValidatorError } from 'openapi-response-validator';
import type { OpenAPIV3 } from 'openapi-types';
import type { OpenApiDocument } from './named-schemas.ts';

export interface ObservedResponse {
  method: string;
  /** The route template as Fastify knows it, e.g. /api/samples/:sampleId. */
  route: string;
  status: number;
  contentType: string | undefined;
  /** The body as sent; undefined when it is a stream (not checked). */
  body: string | undefined;
}

interface DeclaredResponse {
  content?: Record<string, { schema?: unknown }>;
}

interface Operation {
  operationId?: string;
  responses?: Record<string, DeclaredResponse>;
}

// Formats the schemas use (date-time, date, email, uri, uuid ...), checked with ajv-formats' definitions,
// the ones Fastify validates requests with.
const FORMATS: Record<string, (value: string) => boolean> = Object.fromEntries(
  Object.entries(fullFormats).map(([name, format]) => [name, formatTest(format)]),
);

function formatTest(format: unknown): (value: string) => boolean {
  const check =
    typeof format === 'object' && format !== null && 'validate' in format ? format.validate : format;
  if (check instanceof RegExp) return (value) => check.test(value);
  if (typeof check === 'function') return (value) => Boolean(check(value));
  return () => true;
}

/** `/api/samples/:sampleId` -> `/api/samples/{sampleId}`. */
export const openApiPath = (route: string) => route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

export class ResponseContract {
  private readonly validators = new Map<string, OpenAPIResponseValidator>();

  constructor(private readonly document: OpenApiDocument) {}

  /** What is wrong with this response, or an empty list. Routes the document hides are not checked. */
  check(response: ObservedResponse): string[] {
    const operation = this.operation(response.method, response.route);
    if (!operation) return [];
    const where = `${response.method} ${response.route} -> ${response.status}`;
    const declared = operation.responses?.[String(response.status)];
    if (!declared) {
      const known = Object.keys(operation.responses ?? {}).join(', ');
      return [`${where}: status not declared (declared: ${known})`];
    }
    // 204 and 304 never carry a body on the wire, whatever the handler passed to send().
    if (response.status === 204 || response.status === 304) return [];
    const mediaTypes = Object.keys(declared.content ?? {});
    const contentType = response.contentType?.split(';')[0]?.trim().toLowerCase();
    if (mediaTypes.length === 0) {
      return response.body ? [`${where}: declares no body, but one was sent (${contentType})`] : [];
    }
    if (!contentType || !mediaTypes.includes(contentType)) {
      return [`${where}: content type ${contentType ?? '(none)'} not declared (${mediaTypes.join(', ')})`];
    }
    if (response.body === undefined) return [];
    return this.validateBody(where, operation, response.status, contentType, response.body);
  }

  private validateBody(
    where: string,
    operation: Operation,
    status: number,
    contentType: string,
    body: string,
  ): string[] {
    const isJson = contentType === 'application/json' || contentType.endsWith('+json');
    let value: unknown = body;
    if (isJson) {
      try {
        value = JSON.parse(body);
      } catch {
        return [`${where}: body is not JSON`];
      }
    }
    const result = this.validator(operation, status, contentType).validateResponse(status, value);
    if (!result) return [];
    const errors: OpenAPIResponseValidatorError[] = result.errors;
    return errors.map((e) => `${where}: ${e.path || '(body)'} ${e.message}`);
  }

  private operation(method: string, route: string): Operation | undefined {
    const item = this.document.paths?.[openApiPath(route)];
    return item?.[method.toLowerCase()] as Operation | undefined;
  }

  /** One validator per operation, status and media type, compiled on first use. */
  private validator(operation: Operation, status: number, contentType: string): OpenAPIResponseValidator {
    const key = `${operation.operationId}|${status}|${contentType}`;
    let validator = this.validators.get(key);
    if (!validator) {
      const media = operation.responses?.[String(status)]?.content?.[contentType];
      validator = new OpenAPIResponseValidator({
        responses: { [status]: { schema: (media?.schema ?? {}) as OpenAPIV3.SchemaObject } },
        components: (this.document.components ?? {}) as OpenAPIV3.ComponentsObject,
        customFormats: FORMATS,
      });
      this.validators.set(key, validator);
    }
    return validator;
  }
}
