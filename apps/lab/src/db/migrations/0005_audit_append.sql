-- Appends one audit event in a single round trip: takes the append lock, reads the chain head and the
-- transaction time, hashes and inserts. The serialised section of every audited write is then this call
-- and COMMIT, instead of four statements and COMMIT.
--
-- The hash is the same SHA-256 over RFC 8785 canonical JSON that the application and the offline verifier
-- compute: the caller sends the canonical text around the three values only the database knows
-- (prev_hash, seq, ts), and the keys of that object sort as ... "ip", "prev_hash", "reason", "request_id",
-- "seq", "ts". The caller recomputes the hash from the returned values and fails the transaction on any
-- difference (platform/audit/audit-trail.ts).
--
-- VOLATILE: in READ COMMITTED each statement below takes a new snapshot, so the head read after the lock
-- sees the event the previous lock holder committed. 7245190113 is AUDIT_APPEND_LOCK_KEY.
CREATE FUNCTION audit_append(
  p_hash_prefix text,
  p_hash_middle text,
  p_actor text,
  p_action text,
  p_entity_type text,
  p_entity_id text,
  p_before jsonb,
  p_after jsonb,
  p_reason text,
  p_request_id text,
  p_ip text
) RETURNS TABLE (seq bigint, ts text, prev_hash text, hash text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_seq bigint;
  v_prev text;
  v_ts text := to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
  v_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(7245190113);
  SELECT e.seq, e.hash INTO v_seq, v_prev FROM audit_events e ORDER BY e.seq DESC LIMIT 1;
  v_seq := coalesce(v_seq, 0) + 1;
  v_prev := coalesce(v_prev, repeat('0', 64));
  v_hash := encode(sha256(convert_to(
    p_hash_prefix || v_prev || p_hash_middle || v_seq::text || ',"ts":"' || v_ts || '"}', 'UTF8')), 'hex');
  INSERT INTO audit_events (seq, ts, actor, action, entity_type, entity_id, before, after, reason, request_id,
                            ip, prev_hash, hash)
  VALUES (v_seq, v_ts::timestamptz, p_actor, p_action, p_entity_type, p_entity_id, p_before, p_after, p_reason,
          p_request_id, p_ip, v_prev, v_hash);
  RETURN QUERY SELECT v_seq, v_ts, v_prev, v_hash;
END
$$;
