-- Polymorph identification: per-lab reference spectra with immutable versions (a workflow pins one),
-- and every identification result, linked to its run, step and sample. Versions and results are
-- evidence: append-only, like run_events. No earlier table changes, so nothing needs a backfill.
CREATE TABLE "polymorph_identifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lab_id" uuid NOT NULL,
	"origin" text NOT NULL,
	"execution_id" uuid,
	"event_seq" bigint,
	"step_id" text,
	"sample_uuid" uuid,
	"spectrum_sha256" text NOT NULL,
	"measured_at" timestamp (3) with time zone NOT NULL,
	"form" text NOT NULL,
	"confidence" double precision NOT NULL,
	"fractions" jsonb NOT NULL,
	"hits" jsonb NOT NULL,
	"preprocessing" jsonb NOT NULL,
	"references" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "polymorph_identifications_origin_check" CHECK ("polymorph_identifications"."origin" IN ('api', 'run'))
);
--> statement-breakpoint
CREATE TABLE "polymorph_reference_versions" (
	"reference_uuid" uuid NOT NULL,
	"version" integer NOT NULL,
	"spectrum" text NOT NULL,
	"sha256" text NOT NULL,
	"points" integer NOT NULL,
	"file_name" text NOT NULL,
	"file_content" text NOT NULL,
	"file_sha256" text NOT NULL,
	"uploaded_by" text NOT NULL,
	"uploaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "polymorph_reference_versions_reference_uuid_version_pk" PRIMARY KEY("reference_uuid","version"),
	CONSTRAINT "polymorph_reference_versions_version_check" CHECK ("polymorph_reference_versions"."version" >= 1)
);
--> statement-breakpoint
CREATE TABLE "polymorph_references" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lab_id" uuid NOT NULL,
	"reference_id" text NOT NULL,
	"name" text NOT NULL,
	"form" text NOT NULL,
	"source" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_by" text,
	"retired_at" timestamp with time zone,
	"retire_reason" text,
	CONSTRAINT "polymorph_references_lab_reference_unique" UNIQUE("lab_id","reference_id"),
	CONSTRAINT "polymorph_references_status_check" CHECK ("polymorph_references"."status" IN ('active', 'retired'))
);
--> statement-breakpoint
ALTER TABLE "polymorph_identifications" ADD CONSTRAINT "polymorph_identifications_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "polymorph_identifications" ADD CONSTRAINT "polymorph_identifications_execution_id_workflow_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."workflow_executions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "polymorph_identifications" ADD CONSTRAINT "polymorph_identifications_sample_uuid_samples_id_fk" FOREIGN KEY ("sample_uuid") REFERENCES "public"."samples"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "polymorph_reference_versions" ADD CONSTRAINT "polymorph_reference_versions_reference_uuid_polymorph_references_id_fk" FOREIGN KEY ("reference_uuid") REFERENCES "public"."polymorph_references"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "polymorph_reference_versions" ADD CONSTRAINT "polymorph_reference_versions_uploaded_by_users_email_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."users"("email") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "polymorph_references" ADD CONSTRAINT "polymorph_references_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "polymorph_references" ADD CONSTRAINT "polymorph_references_created_by_users_email_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("email") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "polymorph_references" ADD CONSTRAINT "polymorph_references_retired_by_users_email_fk" FOREIGN KEY ("retired_by") REFERENCES "public"."users"("email") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "polymorph_identifications_run_idx" ON "polymorph_identifications" USING btree ("execution_id","measured_at");--> statement-breakpoint
CREATE INDEX "polymorph_identifications_lab_idx" ON "polymorph_identifications" USING btree ("lab_id","created_at");
--> statement-breakpoint
CREATE TRIGGER polymorph_reference_versions_append_only BEFORE UPDATE OR DELETE ON polymorph_reference_versions
  FOR EACH ROW EXECUTE FUNCTION reject_change_to_append_only();
--> statement-breakpoint
CREATE TRIGGER polymorph_reference_versions_no_truncate BEFORE TRUNCATE ON polymorph_reference_versions
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change_to_append_only();
--> statement-breakpoint
CREATE TRIGGER polymorph_identifications_append_only BEFORE UPDATE OR DELETE ON polymorph_identifications
  FOR EACH ROW EXECUTE FUNCTION reject_change_to_append_only();
--> statement-breakpoint
CREATE TRIGGER polymorph_identifications_no_truncate BEFORE TRUNCATE ON polymorph_identifications
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change_to_append_only();
