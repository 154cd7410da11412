import { callerOf } from '../../platform/access/lab-scope.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import { renderReportPdf } from './pdf.ts';
import { RecordReport, reportParams } from './schemas.ts';
import type { ReportService } from './service.ts';

const tags = ['records'];

const ACCESS =
  'You need `reports:read` and the right to read the record type (the `read` column of docs/compliance/signatures.md); a record you may not read, or of another lab, answers the same 404 as an unknown one.';

/** A problem response whose description names this operation's problem. */
const notFoundResponse = {
  404: { ...problemResponses(404)[404]!, description: 'No such record, or none you may see (`not-found`)' },
};

/** Human-readable copies of records (21 CFR 11.10(b)), as JSON and as PDF. */
export const reportRoutes: LabRoutes<{ reports: ReportService }> = async (app, { reports }) => {
  const params = reportParams(reports.recordTypes());

  app.get(
    '/api/records/:type/:id/report.json',
    {
      config: { permission: 'reports:read' },
      schema: {
        operationId: 'getRecordReport',
        tags,
        summary: 'The record, its audit trail, its signature manifestations and their verification',
        description: `The same content as report.pdf. \`verification.intact\` is false, with each finding in words, when the audit chain does not verify, an event of the record was altered, the record no longer matches its audit trail, or it changed after a signature without an audited change. ${ACCESS}`,
        params,
        response: { 200: RecordReport, ...notFoundResponse },
      },
    },
    async (request) => reports.report(request.params.type, request.params.id, callerOf(request)),
  );

  app.get(
    '/api/records/:type/:id/report.pdf',
    {
      config: { permission: 'reports:read' },
      schema: {
        operationId: 'getRecordReportPdf',
        tags,
        summary: 'The record report as a PDF (header and footer on every page, charts for runs)',
        description: `Drawn from report.json. Every page names the record, its page number of the total, the generation time (UTC) and that it is a copy generated from the system of record. Tamper evidence is printed in a red box at the top. ${ACCESS}`,
        params,
        response: {
          200: {
            description: 'The PDF, as an attachment named <type>-<id>-report.pdf',
            headers: {
              'content-disposition': {
                type: 'string',
                description: 'attachment; filename="<type>-<id>-report.pdf"',
              },
            },
            content: {
              'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } },
            },
          },
          ...notFoundResponse,
        },
      },
    },
    async (request, reply) => {
      const { type, id } = request.params;
      const report = await reports.report(type, id, callerOf(request));
      const pdf = await renderReportPdf(report);
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="${type}-${id}-report.pdf"`)
        .send(pdf);
    },
  );
};
