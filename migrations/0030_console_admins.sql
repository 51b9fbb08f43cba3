-- Admin realm (issue 16): the accounts that sign in with project `console` (appwrite-cli, a future
-- console), kept apart from the project's users. Their sessions live in `sessions` under the owner
-- id `console:<admin id>` (lib/realm.ts), which no project user id can take (ids allow no colon),
-- so the session code, the expiry sweep and the per-account limit serve both realms unchanged.
CREATE TABLE `console_admins` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`email` text NOT NULL,
	`status` integer DEFAULT 1 NOT NULL,
	`hash` text,
	`hash_options` text,
	`password` text,
	`password_update` text,
	`accessed_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `console_admins_id` ON `console_admins` (`id`);
--> statement-breakpoint
CREATE UNIQUE INDEX `console_admins_email` ON `console_admins` (`email`);
