-- Runs: workflow_executions becomes a run (lab, definition hash, parameters, devices, checkpoint, engine lease);
-- run_events (per-run sequence: the live stream's event ids), run_steps, content-addressed raw spectra;
-- instrument_bindings (how a LIMS device is reached). No route wrote workflow_executions before, so
-- nothing needs a backfill. Run events and spectra are evidence: append-only, like the audit trail.
CREATE TABLE "instrument_bindings" (
	"device_id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"transport" text NOT NULL,
	"host" text,
	"port" integer,
	"updated_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "instrument_bindings_kind_check" CHECK ("instrument_bindings"."kind" IN ('spectrometer', 'temperature_controller', 'daq')),
	CONSTRAINT "instrument_bindings_transport_check" CHECK ("instrument_bindings"."transport" IN ('simulator', 'scpi')),
	CONSTRAINT "instrument_bindings_address_check" CHECK (("instrument_bindings"."transport" = 'scpi' AND "instrument_bindings"."host" IS NOT NULL AND "instrument_bindings"."port" BETWEEN 1 AND 65535) OR ("instrument_bindings"."transport" = 'simulator' AND "instrument_bindings"."host" IS NULL AND "instrument_bindings"."port" IS NULL))
);
--> statement-breakpoint
CREATE TABLE "run_events" (
	"execution_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"type" text NOT NULL,
	"pc" integer,
	"step_id" text,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "run_events_execution_id_seq_pk" PRIMARY KEY("execution_id","seq")
);
--> statement-breakpoint
CREATE TABLE "run_spectra" (
	"sha256" text PRIMARY KEY NOT NULL,
	"content" text NOT NULL,
	"byte_size" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_spectrum_links" (
	"execution_id" uuid NOT NULL,
	"event_seq" bigint NOT NULL,
	"sha256" text NOT NULL,
	"role" text NOT NULL,
	"pc" integer NOT NULL,
	"step_id" text NOT NULL,
	CONSTRAINT "run_spectrum_links_execution_id_event_seq_role_pk" PRIMARY KEY("execution_id","event_seq","role"),
	CONSTRAINT "run_spectrum_links_role_check" CHECK ("run_spectrum_links"."role" IN ('cleaned', 'raw'))
);
--> statement-breakpoint
CREATE TABLE "run_steps" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"execution_id" uuid NOT NULL,
	"pc" integer NOT NULL,
	"step_id" text NOT NULL,
	"op" text NOT NULL,
	"iteration" integer,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"outcome" text,
	"summary" jsonb,
	CONSTRAINT "run_steps_outcome_check" CHECK ("run_steps"."outcome" IS NULL OR "run_steps"."outcome" IN ('completed', 'failed', 'aborted', 'interrupted'))
);
--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "lab_id" uuid;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "definition_hash" text;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "parameters" jsonb;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "devices" jsonb;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "checkpoint" jsonb;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "seed" integer;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "failure_code" text;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "abort_reason" text;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "claimed_by" text;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "resume_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "instrument_bindings" ADD CONSTRAINT "instrument_bindings_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instrument_bindings" ADD CONSTRAINT "instrument_bindings_updated_by_users_email_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("email") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_events" ADD CONSTRAINT "run_events_execution_id_workflow_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."workflow_executions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_spectrum_links" ADD CONSTRAINT "run_spectrum_links_execution_id_workflow_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."workflow_executions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_spectrum_links" ADD CONSTRAINT "run_spectrum_links_sha256_run_spectra_sha256_fk" FOREIGN KEY ("sha256") REFERENCES "public"."run_spectra"("sha256") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_steps" ADD CONSTRAINT "run_steps_execution_id_workflow_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."workflow_executions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "run_events_type_idx" ON "run_events" USING btree ("execution_id","type");--> statement-breakpoint
CREATE INDEX "run_spectrum_links_sha_idx" ON "run_spectrum_links" USING btree ("sha256");--> statement-breakpoint
CREATE INDEX "run_steps_execution_idx" ON "run_steps" USING btree ("execution_id","pc");--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD CONSTRAINT "workflow_executions_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "workflow_executions_lab_status_idx" ON "workflow_executions" USING btree ("lab_id","status");--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD CONSTRAINT "workflow_executions_status_check" CHECK ("workflow_executions"."status" IN ('pending', 'running', 'paused', 'interrupted', 'completed', 'failed', 'aborted'));--> statement-breakpoint
CREATE TRIGGER run_events_append_only BEFORE UPDATE OR DELETE ON run_events
  FOR EACH ROW EXECUTE FUNCTION reject_change_to_append_only();
--> statement-breakpoint
CREATE TRIGGER run_events_no_truncate BEFORE TRUNCATE ON run_events
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change_to_append_only();
--> statement-breakpoint
CREATE TRIGGER run_spectra_append_only BEFORE UPDATE OR DELETE ON run_spectra
  FOR EACH ROW EXECUTE FUNCTION reject_change_to_append_only();
--> statement-breakpoint
CREATE TRIGGER run_spectra_no_truncate BEFORE TRUNCATE ON run_spectra
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change_to_append_only();
--> statement-breakpoint
CREATE TRIGGER run_spectrum_links_append_only BEFORE UPDATE OR DELETE ON run_spectrum_links
  FOR EACH ROW EXECUTE FUNCTION reject_change_to_append_only();
--> statement-breakpoint
CREATE TRIGGER run_spectrum_links_no_truncate BEFORE TRUNCATE ON run_spectrum_links
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change_to_append_only();
