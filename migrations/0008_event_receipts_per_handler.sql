-- Queue receipts per handler delivery (workers/events/consumer.ts): a retried message re-runs only
-- the deliveries that failed, so a failing webhook never re-runs a function that already ran.
-- `handler` is `<name>` or `<name>:<target>`; '' marks the whole message handled. SQLite cannot
-- change a primary key in place, so the table is rebuilt; old receipts were whole-message ones.
CREATE TABLE `event_receipts_v2` (
	`message_id` text NOT NULL,
	`handler` text DEFAULT '' NOT NULL,
	`event` text NOT NULL,
	`handled_at` text NOT NULL,
	PRIMARY KEY(`message_id`, `handler`)
);
--> statement-breakpoint
INSERT INTO `event_receipts_v2` (`message_id`, `handler`, `event`, `handled_at`) SELECT `message_id`, '', `event`, `handled_at` FROM `event_receipts`;
--> statement-breakpoint
DROP TABLE `event_receipts`;
--> statement-breakpoint
ALTER TABLE `event_receipts_v2` RENAME TO `event_receipts`;
--> statement-breakpoint
CREATE INDEX `event_receipts_handled_at` ON `event_receipts` (`handled_at`);
