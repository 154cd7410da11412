import type { FastifyInstance } from 'fastify';
import type { AuditTrail } from '../../platform/audit/audit-trail.ts';
import type { LabMetrics } from '../../platform/lab-metrics.ts';
import { batchRoutes } from '../batches/routes.ts';
import { BatchService } from '../batches/service.ts';
import { calibrationRoutes } from '../calibration/routes.ts';
import { CalibrationService } from '../calibration/service.ts';
import { containerRoutes } from '../containers/routes.ts';
import { ContainerService } from '../containers/service.ts';
import { deviceRoutes } from '../devices/routes.ts';
import { DeviceService } from '../devices/service.ts';
import { inventoryRoutes } from '../inventory/routes.ts';
import { InventoryService } from '../inventory/service.ts';
import { projectRoutes } from '../projects/routes.ts';
import { ProjectService } from '../projects/service.ts';
import { sampleRoutes } from '../samples/routes.ts';
import { DEFAULT_SAMPLE_ID_PATTERN } from '../samples/sample-id.ts';
import { SampleService } from '../samples/service.ts';
import { siteRoutes } from './routes.ts';
import { SiteService } from './service.ts';

/** The LIMS services of issue 4, built once per app and shared by routes, CLI (seed-demo) and tests. */
export interface LimsServices {
  samples: SampleService;
  projects: ProjectService;
  batches: BatchService;
  containers: ContainerService;
  inventory: InventoryService;
  devices: DeviceService;
  calibration: CalibrationService;
  sites: SiteService;
}

export interface LimsOptions {
  /** Where calibration certificates are stored; uploads answer 503 without it. */
  dataDir?: string | undefined;
  sampleIdPattern?: string | undefined;
}

export function createLimsServices(
  audit: AuditTrail,
  metrics: LabMetrics,
  options: LimsOptions = {},
): LimsServices {
  return {
    samples: new SampleService(audit, metrics, options.sampleIdPattern ?? DEFAULT_SAMPLE_ID_PATTERN),
    projects: new ProjectService(audit),
    batches: new BatchService(audit),
    containers: new ContainerService(audit),
    inventory: new InventoryService(audit),
    devices: new DeviceService(audit),
    calibration: new CalibrationService(audit, options.dataDir),
    sites: new SiteService(audit),
  };
}

export async function registerLimsRoutes(app: FastifyInstance, lims: LimsServices): Promise<void> {
  await app.register(sampleRoutes, { samples: lims.samples });
  await app.register(projectRoutes, { projects: lims.projects });
  await app.register(batchRoutes, { batches: lims.batches });
  await app.register(containerRoutes, { containers: lims.containers, samples: lims.samples });
  await app.register(inventoryRoutes, { inventory: lims.inventory });
  await app.register(deviceRoutes, { devices: lims.devices });
  await app.register(calibrationRoutes, { calibration: lims.calibration, devices: lims.devices });
  await app.register(siteRoutes, { sites: lims.sites });
}
