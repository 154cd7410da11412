-- Regulated records that must never change once written: the audit trail, its checkpoints and
-- electronic signatures. Triggers stop UPDATE, DELETE and TRUNCATE for every role, the owner included;
-- only a superuser who disables the triggers can tamper, and the hash chain and signed checkpoints
-- then show it. Least-privilege grants for the application role are in docs/operations.md.
CREATE FUNCTION reject_change_to_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION reject_change_to_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change_to_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_update_delete BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION reject_change_to_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change_to_append_only();
--> statement-breakpoint
CREATE TRIGGER electronic_signatures_no_update_delete BEFORE UPDATE OR DELETE ON electronic_signatures
  FOR EACH ROW EXECUTE FUNCTION reject_change_to_append_only();
--> statement-breakpoint
CREATE TRIGGER electronic_signatures_no_truncate BEFORE TRUNCATE ON electronic_signatures
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change_to_append_only();
--> statement-breakpoint
CREATE TRIGGER signing_keys_no_update_delete BEFORE UPDATE OR DELETE ON signing_keys
  FOR EACH ROW EXECUTE FUNCTION reject_change_to_append_only();
--> statement-breakpoint
-- The role matrix of docs/compliance/roles.md, as data. Permissions are re-synchronised from code at
-- start (see platform/access/role-seed.ts); this only guarantees the four roles exist.
INSERT INTO roles (name, description) VALUES
  ('admin', 'Full access to all resources'),
  ('scientist', 'Workflows, samples, runs; reads devices'),
  ('technician', 'Runs, inventory, calibration; reads devices'),
  ('compliance', 'Read-only audit, runs, samples, workflows; signs reviews')
ON CONFLICT (name) DO NOTHING;
