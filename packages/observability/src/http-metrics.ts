import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { registerDataDirUsage } from './data-dir-usage.ts';

export interface HttpMetricsOptions {
  /** Registry to expose; business metrics of the app should be registered on the same one. */
  registry?: Registry;
  /** Path of the scrape endpoint. */
  metricsPath?: string;
  /** Process metrics (CPU, memory, handles, GC, event-loop lag). On by default. */
  processMetrics?: boolean;
  /** Histogram buckets in seconds. */
  buckets?: number[];
  /** When set, `app_data_dir_bytes{path}` reports the disk used under this directory. */
  dataDir?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    metricsRegistry: Registry;
  }
  interface FastifyRequest {
    /** Set while the request counts in http_server_requests_in_flight. */
    httpMetricsInFlight: boolean;
  }
  interface FastifyContextConfig {
    /** The route needs no authentication (see the lab's access guard). */
    public?: boolean;
  }
}

// Requests matching no route share one label value, so clients cannot grow the series count.
export const UNMATCHED_ROUTE = 'unmatched';
const inFlightFlag = 'httpMetricsInFlight';

/** The route template (`/api/samples/:sampleId`), never the raw URL. */
export function routeLabel(request: FastifyRequest): string {
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

async function httpMetrics(app: FastifyInstance, options: HttpMetricsOptions): Promise<void> {
  const registry = options.registry ?? new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  if (options.dataDir) registerDataDirUsage(registry, options.dataDir);
  const labelNames = ['method', 'route', 'status_code'] as const;
  const duration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route template and status code',
    labelNames,
    buckets: options.buckets ?? [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const durationCount = 'http_server_request_duration_seconds_count';
  new Counter({
    name: 'http_server_requests_total',
    help: 'HTTP requests completed, by method, route template and status code',
    labelNames,
    registers: [registry],
    // The histogram already counts every request per label set (its monotonic _count); copying that at
    // scrape time halves the metric updates on each request's path.
    async collect() {
      const { values } = await duration.get();
      this.reset();
      for (const v of values) {
        if (v.metricName === durationCount)
          this.inc(v.labels as Partial<Record<(typeof labelNames)[number], string>>, v.value);
      }
    },
  });
  const inFlight = new Gauge({
    name: 'http_server_requests_in_flight',
    help: 'HTTP requests being served right now',
    registers: [registry],
  });

  app.decorate('metricsRegistry', registry);

  // Declared up front so every request object keeps one shape (Fastify's advice for per-request state).
  app.decorateRequest(inFlightFlag, false);
  // Callback hooks: no promise per hook on the hot path.
  app.addHook('onRequest', (request: FastifyRequest, _reply, done) => {
    request[inFlightFlag] = true;
    inFlight.inc();
    done();
  });
  const leave = (request: FastifyRequest) => {
    if (request[inFlightFlag]) {
      request[inFlightFlag] = false;
      inFlight.dec();
    }
  };
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
    leave(request);
    const labels = {
      method: request.method,
      route: routeLabel(request),
      status_code: String(reply.statusCode),
    };
    duration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
  app.addHook('onRequestAbort', (request: FastifyRequest, done) => {
    leave(request);
    done();
  });

  app.get(
    options.metricsPath ?? '/metrics',
    { config: { public: true }, schema: { hide: true } },
    async (_request, reply) => {
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    },
  );
}

/** Fastify plugin: HTTP RED metrics labelled by route template, process metrics, and the scrape route. */
export const httpMetricsPlugin = fp(httpMetrics, { name: 'http-metrics', fastify: '5.x' });
