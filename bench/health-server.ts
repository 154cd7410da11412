// Child process for bench/http-health.ts: a Fastify /health server, bare or with the metrics plugin.
import { httpMetricsPlugin } from '@polymorph/observability/http-metrics';
import Fastify from 'fastify';

const variant = process.argv[2];
const port = Number(process.argv[3]);
const app = Fastify({ logger: false });
if (variant === 'metrics') await app.register(httpMetricsPlugin);
app.get('/health', { config: { public: true } }, async () => ({
  status: 'ok',
  version: '0.0.0',
  uptime_s: Math.round(process.uptime() * 10) / 10,
}));
await app.listen({ port, host: '127.0.0.1' });
// Closes as the lab does on SIGTERM, answering what it received: the baseline of bench/lab-shutdown.ts.
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
process.send?.('listening');
process.on('message', (m) => {
  if (m === 'cpu') process.send?.(process.cpuUsage());
});
