-- Project webhooks (workers/webhooks): delivered from the events queue, signed with their key.
-- `attempts` counts consecutive failures; `logs` keeps the last one; too many disable the hook.
CREATE TABLE `webhooks` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`url` text NOT NULL,
	`events` text DEFAULT '[]' NOT NULL,
	`enabled` integer DEFAULT 1 NOT NULL,
	`tls` integer DEFAULT 1 NOT NULL,
	`auth_username` text DEFAULT '' NOT NULL,
	`auth_password` text DEFAULT '' NOT NULL,
	`signature_key` text NOT NULL,
	`logs` text DEFAULT '' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhooks_id` ON `webhooks` (`id`);
