-- A refund the wallet refused for good (it answered, and not with a failure worth retrying):
-- the job stays, marked, instead of being dropped. It is not sent again (a resent command
-- does not revive it), `tinysaga check` reports it with the wallet's reason, and the money
-- stays debited until an operator acts.
ALTER TABLE refund_requests ADD COLUMN refused_reason TEXT NULL;
