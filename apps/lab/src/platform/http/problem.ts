// The lab's problem+json errors are the shared mechanism of @polymorph/http-problem (docs/api/problems.md);
// this module keeps the import path the lab's modules use, so there is one implementation for both apps.

export { frameworkErrorHandler, registerProblemHandlers } from '@polymorph/http-problem/fastify-handlers';
export { type FieldError, HttpProblem, sendProblem } from '@polymorph/http-problem/problem';
