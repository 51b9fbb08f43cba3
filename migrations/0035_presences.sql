-- Presences (Appwrite 1.9, workers/realtime/presence-store.ts): one row per user, upserted over REST
-- (`PUT /v1/presences/{id}`) or by a realtime `presence` frame and deleted when that socket closes.
-- `presence_perms` is its permission side table, `(_seq, type, role)` as the user tables' side
-- tables, so lists filter by read permission with the one evaluator's EXISTS condition.
CREATE TABLE `presences` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`user_id` text NOT NULL,
	`status` text,
	`source` text NOT NULL,
	`metadata` text DEFAULT '{}' NOT NULL,
	`permissions` text DEFAULT '[]' NOT NULL,
	`expires_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `presences_id` ON `presences` (`id`);
--> statement-breakpoint
CREATE UNIQUE INDEX `presences_user` ON `presences` (`user_id`);
--> statement-breakpoint
CREATE INDEX `presences_expires_at` ON `presences` (`expires_at`);
--> statement-breakpoint
CREATE TABLE `presence_perms` (
	`_seq` integer NOT NULL,
	`type` text NOT NULL,
	`role` text NOT NULL,
	PRIMARY KEY(`_seq`, `type`, `role`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `presence_perms_role` ON `presence_perms` (`type`, `role`, `_seq`);
