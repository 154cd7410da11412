// Child process for bench/fraud-http.ts: Fastify with the metrics plugin, the fraud routes (model
// given as argv[2]) and a trivial GET /health as the baseline route.
import { httpMetricsPlugin } from '@polymorph/observability/http-metrics';
import Fastify from 'fastify';
import { fraudRoutes } from '../apps/synfinance/src/fraud/api/routes.ts';

const app = Fastify({ logger: false });
await app.register(httpMetricsPlugin);
await app.register(fraudRoutes, { modelPath: process.argv[2] });
app.get('/health', async () => ({ status: 'ok' }));
await app.listen({ port: Number(process.argv[3]), host: '127.0.0.1' });
process.send?.('listening');
