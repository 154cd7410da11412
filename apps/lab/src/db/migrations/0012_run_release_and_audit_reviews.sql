-- Review and release of runs (release status and the signatures of each step on workflow_executions;
-- existing runs start unreviewed) and audit-trail reviews as signed records over a range of the chain.
CREATE TABLE "audit_trail_reviews" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lab_id" uuid,
	"from_seq" bigint NOT NULL,
	"to_seq" bigint NOT NULL,
	"from_hash" text NOT NULL,
	"to_hash" text NOT NULL,
	"range_valid" boolean NOT NULL,
	"first_invalid_seq" bigint,
	"failure_reason" text,
	"chain_status" text NOT NULL,
	"events_checked" integer NOT NULL,
	"comment" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"signed_by" text,
	"signed_at" timestamp with time zone,
	"signature_id" uuid,
	CONSTRAINT "audit_trail_reviews_range_check" CHECK ("audit_trail_reviews"."from_seq" >= 1 AND "audit_trail_reviews"."to_seq" >= "audit_trail_reviews"."from_seq"),
	CONSTRAINT "audit_trail_reviews_status_check" CHECK ("audit_trail_reviews"."status" IN ('open', 'signed')),
	CONSTRAINT "audit_trail_reviews_chain_status_check" CHECK ("audit_trail_reviews"."chain_status" IN ('valid', 'unsealed', 'broken'))
);
--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "release_status" text DEFAULT 'unreviewed' NOT NULL;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "reviewed_by" text;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "reviewed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "review_signature_id" uuid;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "review_record_hash" text;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "decided_by" text;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "decided_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "decision_signature_id" uuid;--> statement-breakpoint
ALTER TABLE "audit_trail_reviews" ADD CONSTRAINT "audit_trail_reviews_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_trail_reviews" ADD CONSTRAINT "audit_trail_reviews_created_by_users_email_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("email") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_trail_reviews" ADD CONSTRAINT "audit_trail_reviews_signed_by_users_email_fk" FOREIGN KEY ("signed_by") REFERENCES "public"."users"("email") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_trail_reviews_created_at_idx" ON "audit_trail_reviews" USING btree ("created_at");--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD CONSTRAINT "workflow_executions_reviewed_by_users_email_fk" FOREIGN KEY ("reviewed_by") REFERENCES "public"."users"("email") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD CONSTRAINT "workflow_executions_decided_by_users_email_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("email") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD CONSTRAINT "workflow_executions_release_status_check" CHECK ("workflow_executions"."release_status" IN ('unreviewed', 'reviewed', 'approved', 'rejected'));