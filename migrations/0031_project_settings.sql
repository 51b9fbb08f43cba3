-- Project settings (issue 16) that change without a redeploy: the auth policies and methods set
-- through /v1/project (JSON in `auth`; a key absent there falls back to its [vars] value), and the
-- platforms (web hostnames merged with ALLOWED_ORIGINS; Apple, Android, Windows and Linux app ids).
-- `version` is replaced with a fresh random token in the batch of every change, so an isolate's
-- cached copy (workers/settings/cache.ts) can be checked inside a request's own D1 batch.
CREATE TABLE `project_settings` (
	`id` integer PRIMARY KEY NOT NULL CHECK (`id` = 1),
	`version` text NOT NULL,
	`auth` text DEFAULT '{}' NOT NULL,
	`updated_at` text DEFAULT '' NOT NULL
);
--> statement-breakpoint
INSERT INTO `project_settings` (`id`, `version`, `auth`) VALUES (1, lower(hex(randomblob(8))), '{}');
--> statement-breakpoint
CREATE TABLE `platforms` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`name` text NOT NULL,
	`identifier` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `platforms_id` ON `platforms` (`id`);
