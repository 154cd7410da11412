// Child process for bench/fraud-replicas.ts: the fraud routes with the metrics plugin, model argv[2],
// port argv[3], and customer histories in Redis when argv[4] gives a URL (in this process otherwise).
import { httpMetricsPlugin } from '@polymorph/observability/http-metrics';
import Fastify from 'fastify';
import { fraudRoutes } from '../apps/synfinance/src/fraud/api/routes.ts';

const [modelPath, port, redisUrl] = process.argv.slice(2);
const app = Fastify({ logger: false });
await app.register(httpMetricsPlugin);
await app.register(fraudRoutes, { modelPath, ...(redisUrl && { redis: { url: redisUrl } }) });
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.send?.('listening');
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
