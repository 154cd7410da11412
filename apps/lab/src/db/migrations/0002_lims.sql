CREATE SEQUENCE "public"."sample_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
ALTER TABLE "calibration_entries" ADD COLUMN "results" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "calibration_entries" ADD COLUMN "certificate_content_type" text;--> statement-breakpoint
ALTER TABLE "calibration_entries" ADD COLUMN "certificate_size" integer;--> statement-breakpoint
ALTER TABLE "calibration_entries" ADD COLUMN "certificate_filename" text;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "location" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "organization_id" uuid;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "lab_id" uuid;--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "lab_id" uuid;--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "decision_signature_id" uuid;--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "decided_by" text;--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "decided_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "samples" ADD COLUMN "lab_id" uuid;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_decided_by_users_email_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("email") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "samples" ADD CONSTRAINT "samples_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "users_lab_id_idx" ON "users" USING btree ("lab_id");--> statement-breakpoint
CREATE INDEX "batches_lab_id_idx" ON "batches" USING btree ("lab_id");--> statement-breakpoint
CREATE INDEX "samples_lab_id_idx" ON "samples" USING btree ("lab_id","created_at");