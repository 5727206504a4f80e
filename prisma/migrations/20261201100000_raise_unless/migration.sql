-- raise_unless(condition, message): raises `message` unless `condition` holds. A statement that writes
-- several rows through data-modifying CTEs checks what they did with it, so that a failed check undoes
-- the whole statement: all-or-nothing in one round trip, without an explicit transaction around it.
-- (Recording a payment writes the transaction, its commission, the affiliate's totals and two audit rows
-- that way, once per payment.)
CREATE FUNCTION "raise_unless"(condition boolean, message text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF condition IS NOT TRUE THEN
    RAISE EXCEPTION '%', message USING ERRCODE = 'check_violation';
  END IF;
  RETURN true;
END;
$$;
