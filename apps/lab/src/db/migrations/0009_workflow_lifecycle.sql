-- Workflow versions get a lifecycle (draft -> in_review -> approved -> effective -> retired), a lab, the
-- source as authored, and who moved them and when. No version existed before this migration (no
-- route wrote them), so the new NOT NULL columns need no backfill.
ALTER TABLE "workflow_versions" DROP CONSTRAINT "workflow_versions_name_version_unique";--> statement-breakpoint
DROP INDEX "workflow_versions_is_active_idx";--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD COLUMN "lab_id" uuid NOT NULL;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD COLUMN "title" text NOT NULL;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD COLUMN "status" text DEFAULT 'draft' NOT NULL;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD COLUMN "source" text NOT NULL;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD COLUMN "source_format" text NOT NULL;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD COLUMN "submitted_by" text;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD COLUMN "submitted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD COLUMN "approval_signature_id" uuid;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD COLUMN "effective_by" text;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD COLUMN "effective_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD COLUMN "retired_by" text;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD CONSTRAINT "workflow_versions_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD CONSTRAINT "workflow_versions_submitted_by_users_email_fk" FOREIGN KEY ("submitted_by") REFERENCES "public"."users"("email") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD CONSTRAINT "workflow_versions_effective_by_users_email_fk" FOREIGN KEY ("effective_by") REFERENCES "public"."users"("email") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD CONSTRAINT "workflow_versions_retired_by_users_email_fk" FOREIGN KEY ("retired_by") REFERENCES "public"."users"("email") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_versions_one_effective_idx" ON "workflow_versions" USING btree ("lab_id","workflow_name") WHERE "workflow_versions"."status" = 'effective';--> statement-breakpoint
CREATE INDEX "workflow_versions_status_idx" ON "workflow_versions" USING btree ("lab_id","status");--> statement-breakpoint
ALTER TABLE "workflow_versions" DROP COLUMN "is_active";--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD CONSTRAINT "workflow_versions_lab_name_version_unique" UNIQUE("lab_id","workflow_name","version");--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD CONSTRAINT "workflow_versions_status_check" CHECK ("workflow_versions"."status" IN ('draft', 'in_review', 'approved', 'effective', 'retired'));--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD CONSTRAINT "workflow_versions_source_format_check" CHECK ("workflow_versions"."source_format" IN ('yaml', 'json'));--> statement-breakpoint
-- An approved version is locked: its content can never change, whoever connects (edits make a new version).
CREATE FUNCTION reject_change_to_locked_workflow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.locked AND (NEW.definition IS DISTINCT FROM OLD.definition
      OR NEW.definition_hash IS DISTINCT FROM OLD.definition_hash
      OR NEW.source IS DISTINCT FROM OLD.source
      OR NEW.workflow_name IS DISTINCT FROM OLD.workflow_name
      OR NEW.version IS DISTINCT FROM OLD.version
      OR NEW.lab_id IS DISTINCT FROM OLD.lab_id
      OR NOT NEW.locked) THEN
    RAISE EXCEPTION 'workflow version % is locked: its content cannot change', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER workflow_versions_locked_content BEFORE UPDATE ON workflow_versions
  FOR EACH ROW EXECUTE FUNCTION reject_change_to_locked_workflow();
--> statement-breakpoint
CREATE TRIGGER workflow_versions_no_delete BEFORE DELETE OR TRUNCATE ON workflow_versions
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change_to_append_only();
