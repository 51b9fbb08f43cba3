-- Databases (issue 14): a table that never holds a row. A write that must not happen unless a
-- condition holds (an atomic operator's range check, a transaction's "row unchanged since it was
-- staged") puts `INSERT INTO write_guards (ok) SELECT 0 WHERE NOT <condition>` into its own D1
-- batch; the CHECK fails the statement, and D1 rolls the whole batch back. D1 has no BEGIN, so this
-- is how a batch aborts on a condition (workers/databases/operators/guard.ts).
CREATE TABLE `write_guards` (
  `ok` integer NOT NULL,
  CONSTRAINT `ledge_write_guard` CHECK (`ok` = 1)
);
