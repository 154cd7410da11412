// The composition root of the lab's modules. Each module under modules/ publishes a service and a
// routes plugin; this file builds the services once per app and registers every module's routes.
// A module reaches a sibling only through the port the sibling publishes (docs/architecture.md).
import type { FastifyInstance } from 'fastify';
import type { Database } from './db/client.ts';
import { auditTrailReviewReportSource } from './modules/audit-reviews/report-source.ts';
import { auditTrailReviewRoutes } from './modules/audit-reviews/routes.ts';
import {
  AUDIT_TRAIL_REVIEW_SIGNED_THROUGH,
  AuditTrailReviewService,
  auditTrailReviewSignableContent,
} from './modules/audit-reviews/service.ts';
import { authRoutes } from './modules/auth/routes.ts';
import { AuthService, type AuthSettings } from './modules/auth/service.ts';
import { batchReportSource } from './modules/batches/report-source.ts';
import { batchRoutes } from './modules/batches/routes.ts';
import { BatchService } from './modules/batches/service.ts';
import { connectBatchSignatures } from './modules/batches/signature-adapter.ts';
import { calibrationRoutes } from './modules/calibration/routes.ts';
import { CalibrationService } from './modules/calibration/service.ts';
import { complianceRoutes } from './modules/compliance/routes.ts';
import { containerRoutes } from './modules/containers/routes.ts';
import { ContainerService } from './modules/containers/service.ts';
import { deviceRoutes } from './modules/devices/routes.ts';
import { DeviceService } from './modules/devices/service.ts';
import { instrumentRoutes } from './modules/instruments/routes.ts';
import { InstrumentService } from './modules/instruments/service.ts';
import { inventoryRoutes } from './modules/inventory/routes.ts';
import { InventoryService } from './modules/inventory/service.ts';
import { IdentificationService } from './modules/polymorph/identifications.ts';
import { ReferenceService } from './modules/polymorph/references.ts';
import { polymorphRoutes } from './modules/polymorph/routes.ts';
import { projectRoutes } from './modules/projects/routes.ts';
import { ProjectService } from './modules/projects/service.ts';
import { reportRoutes } from './modules/reports/routes.ts';
import { ReportService } from './modules/reports/service.ts';
import { RunEventSignals } from './modules/runs/events.ts';
import { RUN_RELEASE_ROUTES } from './modules/runs/release.ts';
import { runReportSource } from './modules/runs/report-source.ts';
import { runRoutes } from './modules/runs/routes.ts';
import { runSignableContent } from './modules/runs/run-records.ts';
import { RunService } from './modules/runs/service.ts';
import { sampleReportSource } from './modules/samples/report-source.ts';
import { sampleRoutes } from './modules/samples/routes.ts';
import { DEFAULT_SAMPLE_ID_PATTERN } from './modules/samples/sample-id.ts';
import { SampleService } from './modules/samples/service.ts';
import { connectSampleSignatures } from './modules/samples/signature-adapter.ts';
import { signatureRoutes } from './modules/signatures/routes.ts';
import { SignatureService, userRecordLoader } from './modules/signatures/service.ts';
import { siteRoutes } from './modules/sites/routes.ts';
import { SiteService } from './modules/sites/service.ts';
import { systemRoutes } from './modules/system/routes.ts';
import { userRoutes } from './modules/users/routes.ts';
import { UserService } from './modules/users/service.ts';
import { workflowRoutes } from './modules/workflows/routes.ts';
import {
  WORKFLOW_SIGNED_THROUGH,
  WorkflowService,
  workflowSignableContent,
} from './modules/workflows/service.ts';
import type { AuditTrail } from './platform/audit/audit-trail.ts';
import type { LabMetrics } from './platform/lab-metrics.ts';
import type { ServerKeyPair } from './platform/signatures/server-key.ts';
import type { UnitOfWork } from './platform/unit-of-work.ts';

/** The mechanisms every module may use: the database's units of work, the audit trail, metrics. */
export interface ModuleKernel {
  database: Database;
  uow: UnitOfWork;
  audit: AuditTrail;
  metrics: LabMetrics;
  signingKey: ServerKeyPair;
  auth: AuthSettings;
  /** Where calibration certificates are stored; uploads answer 503 without it. */
  dataDir?: string | undefined;
  sampleIdPattern?: string | undefined;
  /** Hosts an SCPI instrument binding may name (POLYMORPH_INSTRUMENT_HOSTS). */
  instrumentHosts: readonly string[];
  version: string;
}

/** The LIMS services, built once per app and shared by routes, CLI (seed-demo) and tests. */
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

export interface ModuleServices {
  auth: AuthService;
  users: UserService;
  signatures: SignatureService;
  lims: LimsServices;
  workflows: WorkflowService;
  runs: RunService;
  instruments: InstrumentService;
  polymorph: { references: ReferenceService; identifications: IdentificationService };
  reports: ReportService;
  auditReviews: AuditTrailReviewService;
}

export function createModuleServices(kernel: ModuleKernel): ModuleServices {
  const { uow, metrics } = kernel;
  const auth = new AuthService(uow, kernel.auth, metrics);
  const users = new UserService(uow, auth);
  const signatures = new SignatureService(uow, auth, kernel.signingKey, metrics);
  signatures.registerRecordType('user', userRecordLoader);
  const lims: LimsServices = {
    samples: new SampleService(uow, metrics, kernel.sampleIdPattern ?? DEFAULT_SAMPLE_ID_PATTERN),
    projects: new ProjectService(uow),
    batches: new BatchService(uow),
    containers: new ContainerService(uow),
    inventory: new InventoryService(uow),
    devices: new DeviceService(uow),
    calibration: new CalibrationService(uow, kernel.dataDir),
    sites: new SiteService(uow),
  };
  connectBatchSignatures(lims.batches, signatures);
  connectSampleSignatures(signatures);
  signatures.registerRecordType('workflow_version', workflowSignableContent, WORKFLOW_SIGNED_THROUGH);
  const workflows = new WorkflowService(uow, signatures);
  signatures.registerRecordType('run', runSignableContent, RUN_RELEASE_ROUTES);
  const runs = new RunService(uow, signatures, metrics, new RunEventSignals());
  const instruments = new InstrumentService(uow, { allowedHosts: kernel.instrumentHosts });
  signatures.registerRecordType(
    'audit_trail_review',
    auditTrailReviewSignableContent,
    AUDIT_TRAIL_REVIEW_SIGNED_THROUGH,
  );
  const auditReviews = new AuditTrailReviewService(uow, () => kernel.audit.verify(), signatures);
  const polymorph = {
    references: new ReferenceService(uow),
    identifications: new IdentificationService(uow),
  };
  return {
    auth,
    users,
    signatures,
    lims,
    workflows,
    runs,
    instruments,
    polymorph,
    auditReviews,
    reports: recordReports(kernel, signatures),
  };
}

/**
 * The record reports of every signable record type, registered before the routes are built: the
 * route's `type` lists these.
 */
function recordReports(kernel: ModuleKernel, signatures: SignatureService): ReportService {
  const reports = new ReportService(kernel.uow, kernel.audit, signatures);
  reports.registerRecordType('sample', sampleReportSource);
  reports.registerRecordType('batch', batchReportSource);
  reports.registerRecordType('run', runReportSource(signatures));
  reports.registerRecordType('audit_trail_review', auditTrailReviewReportSource);
  return reports;
}

/** Every module's routes, in the order the API documentation lists them. */
export async function registerModuleRoutes(
  app: FastifyInstance,
  kernel: ModuleKernel,
  services: ModuleServices,
): Promise<void> {
  const { lims } = services;
  await app.register(systemRoutes, { database: kernel.database, version: kernel.version });
  await app.register(authRoutes, { auth: services.auth });
  await app.register(userRoutes, { users: services.users });
  await app.register(sampleRoutes, { samples: lims.samples });
  await app.register(projectRoutes, { projects: lims.projects });
  await app.register(batchRoutes, { batches: lims.batches });
  await app.register(containerRoutes, { containers: lims.containers, samples: lims.samples });
  await app.register(inventoryRoutes, { inventory: lims.inventory });
  await app.register(deviceRoutes, { devices: lims.devices });
  await app.register(calibrationRoutes, { calibration: lims.calibration, devices: lims.devices });
  await app.register(instrumentRoutes, { instruments: services.instruments });
  await app.register(siteRoutes, { sites: lims.sites });
  await app.register(signatureRoutes, { signatures: services.signatures });
  await app.register(workflowRoutes, { workflows: services.workflows });
  await app.register(runRoutes, { runs: services.runs });
  await app.register(polymorphRoutes, services.polymorph);
  await app.register(complianceRoutes, { audit: kernel.audit, uow: kernel.uow });
  await app.register(reportRoutes, { reports: services.reports });
  await app.register(auditTrailReviewRoutes, { reviews: services.auditReviews });
}
