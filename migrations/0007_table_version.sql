-- Databases domain: a version token per table, replaced (with a fresh random value) by every change
-- to the table's definition — its row, columns or indexes — in the same batch as the change.
-- Row operations validate an isolate's cached table definition against it inside their own D1
-- batch (workers/databases/table-cache.ts). A random token rather than a counter or a timestamp:
-- two changes in the same millisecond, a clock running backwards, or a database restored to an
-- earlier point can never make an old definition look current.
ALTER TABLE `tables` ADD `version` text DEFAULT '' NOT NULL;
--> statement-breakpoint
UPDATE `tables` SET `version` = lower(hex(randomblob(8)));
