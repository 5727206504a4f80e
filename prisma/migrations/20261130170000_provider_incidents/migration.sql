-- A payment whose look-up found two live payments at the provider for its one idempotency key is an
-- incident: money moved more than once. It is FAILED (with its dead letter) so that nothing retries it,
-- and "incident" says why; replay and discard refuse it, since either would pay the commission again.
-- An operator settles it with the provider first.

-- AlterTable
ALTER TABLE "DisbursementTransaction" ADD COLUMN "incident" TEXT;
