// Test helpers: the real SynFinance app, or the fraud routes on a bare Fastify, with every response
// they send checked against the OpenAPI document the same app serves. A violation fails close().
import swagger from '@fastify/swagger';
import { componentRefResolver, registerProblemSchema } from '@polymorph/http-problem/schema';
import { httpMetricsPlugin } from '@polymorph/observability/http-metrics';
import { type ContractCheck, checkResponsesAgainstContract } from '@polymorph/openapi/fastify-contract-check';
import { hoistNamedSchemas } from '@polymorph/openapi/named-schemas';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { type FraudRoutesOptions, fraudRoutes } from '../fraud/api/routes.ts';
import { type ApiOptions, type ApiState, buildApi } from './app.ts';
import { completeRouteContract, SECURITY_SCHEMES } from './route-contract.ts';

export interface TestApi {
  app: FastifyInstance;
  state: ApiState;
  contract: ContractCheck;
  /** Closes the app, then throws if any response broke the contract. */
  close(): Promise<void>;
}

export async function testApi(opts: ApiOptions = {}): Promise<TestApi> {
  let contract: ContractCheck | undefined;
  const { app, state } = await buildApi({
    ...opts,
    beforeRoutes: (app) => {
      contract = checkResponsesAgainstContract(app);
      opts.beforeRoutes?.(app);
    },
  });
  return withClose(app, state, contract!);
}

/** The fraud routes alone (metrics plugin, OpenAPI document, contract check), as a bench runs them. */
export async function testFraudApp(opts: FraudRoutesOptions): Promise<TestApi> {
  const app = Fastify();
  const contract = checkResponsesAgainstContract(app);
  app.addHook('onRoute', completeRouteContract);
  registerProblemSchema(app);
  await app.register(swagger, {
    refResolver: componentRefResolver,
    openapi: {
      openapi: '3.1.0',
      info: { title: 'fraud routes', version: '0' },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transformObject: (document) =>
      'openapiObject' in document ? hoistNamedSchemas(document.openapiObject) : document.swaggerObject,
  });
  await app.register(httpMetricsPlugin, { registry: new Registry(), processMetrics: false });
  await app.register(fraudRoutes, opts);
  await app.ready();
  return withClose(app, { activeGenerations: 0 }, contract);
}

function withClose(app: FastifyInstance, state: ApiState, contract: ContractCheck): TestApi {
  return {
    app,
    state,
    contract,
    close: async () => {
      await app.close();
      contract.assertClean();
    },
  };
}
