-- Sample lineage is a directed acyclic graph: an edge parent -> child is refused when the child is
-- already an ancestor of the parent (or the parent itself). The application only ever adds edges to
-- new children, so this is the database's guarantee, not the usual path.
CREATE FUNCTION reject_sample_lineage_cycle() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    WITH RECURSIVE ancestors(id) AS (
      SELECT NEW.parent_id
      UNION
      SELECT l.parent_id FROM sample_lineage l JOIN ancestors a ON l.child_id = a.id
    )
    SELECT 1 FROM ancestors WHERE id = NEW.child_id
  ) THEN
    RAISE EXCEPTION 'sample lineage cycle: % is already an ancestor of %', NEW.child_id, NEW.parent_id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER sample_lineage_no_cycle BEFORE INSERT OR UPDATE ON sample_lineage
  FOR EACH ROW EXECUTE FUNCTION reject_sample_lineage_cycle();
