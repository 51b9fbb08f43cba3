CREATE TABLE `dead_letters` (
	`message_id` text PRIMARY KEY NOT NULL,
	`body` text NOT NULL,
	`attempts` integer NOT NULL,
	`received_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `event_receipts` (
	`message_id` text PRIMARY KEY NOT NULL,
	`event` text NOT NULL,
	`handled_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `event_receipts_handled_at` ON `event_receipts` (`handled_at`);--> statement-breakpoint
CREATE TABLE `identities` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`provider` text NOT NULL,
	`provider_uid` text NOT NULL,
	`provider_email` text DEFAULT '' NOT NULL,
	`provider_access_token` text DEFAULT '' NOT NULL,
	`provider_access_token_expiry` text DEFAULT '' NOT NULL,
	`provider_refresh_token` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identities_provider_uid` ON `identities` (`provider`,`provider_uid`);--> statement-breakpoint
CREATE INDEX `identities_user` ON `identities` (`user_id`);--> statement-breakpoint
CREATE TABLE `keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`scopes` text NOT NULL,
	`secret_hash` text NOT NULL,
	`expire` text,
	`accessed_at` text,
	`sdks` text DEFAULT '[]' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `keys_secret_hash` ON `keys` (`secret_hash`);--> statement-breakpoint
CREATE TABLE `logs` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` text NOT NULL,
	`event` text NOT NULL,
	`resource` text DEFAULT '' NOT NULL,
	`mode` text DEFAULT 'default' NOT NULL,
	`ip` text DEFAULT '' NOT NULL,
	`user_agent` text DEFAULT '' NOT NULL,
	`country_code` text DEFAULT '--' NOT NULL,
	`time` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `logs_user_time` ON `logs` (`user_id`,`time`);--> statement-breakpoint
CREATE TABLE `memberships` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`team_id` text NOT NULL,
	`user_id` text NOT NULL,
	`roles` text DEFAULT '[]' NOT NULL,
	`invited` text NOT NULL,
	`joined` text DEFAULT '' NOT NULL,
	`confirm` integer DEFAULT false NOT NULL,
	`secret_hash` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `memberships_id` ON `memberships` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `memberships_team_user` ON `memberships` (`team_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `memberships_user` ON `memberships` (`user_id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`to` text NOT NULL,
	`subject` text NOT NULL,
	`text` text NOT NULL,
	`html` text DEFAULT '' NOT NULL,
	`kind` text DEFAULT '' NOT NULL,
	`provider` text NOT NULL,
	`status` text NOT NULL,
	`error` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_id` ON `outbox` (`id`);--> statement-breakpoint
CREATE INDEX `outbox_to` ON `outbox` (`to`,`seq`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`secret_hash` text NOT NULL,
	`provider` text NOT NULL,
	`provider_uid` text DEFAULT '' NOT NULL,
	`provider_access_token` text DEFAULT '' NOT NULL,
	`provider_access_token_expiry` text DEFAULT '' NOT NULL,
	`provider_refresh_token` text DEFAULT '' NOT NULL,
	`ip` text DEFAULT '' NOT NULL,
	`user_agent` text DEFAULT '' NOT NULL,
	`country_code` text DEFAULT '--' NOT NULL,
	`factors` text DEFAULT '[]' NOT NULL,
	`mfa_updated_at` text DEFAULT '' NOT NULL,
	`expire` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sessions_user` ON `sessions` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `sessions_expire` ON `sessions` (`expire`);--> statement-breakpoint
CREATE TABLE `teams` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`total` integer DEFAULT 0 NOT NULL,
	`prefs` text DEFAULT '{}' NOT NULL,
	`search` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `teams_id` ON `teams` (`id`);--> statement-breakpoint
CREATE TABLE `tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`type` text NOT NULL,
	`secret_hash` text NOT NULL,
	`phrase` text DEFAULT '' NOT NULL,
	`ip` text DEFAULT '' NOT NULL,
	`user_agent` text DEFAULT '' NOT NULL,
	`expire` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tokens_user` ON `tokens` (`user_id`,`type`);--> statement-breakpoint
CREATE INDEX `tokens_expire` ON `tokens` (`expire`);--> statement-breakpoint
CREATE TABLE `users` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`email` text,
	`phone` text,
	`status` integer DEFAULT true NOT NULL,
	`labels` text DEFAULT '[]' NOT NULL,
	`prefs` text DEFAULT '{}' NOT NULL,
	`email_verification` integer DEFAULT false NOT NULL,
	`phone_verification` integer DEFAULT false NOT NULL,
	`mfa` integer DEFAULT false NOT NULL,
	`hash` text,
	`hash_options` text,
	`password` text,
	`password_update` text,
	`registration` text NOT NULL,
	`accessed_at` text,
	`search` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_id` ON `users` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_email` ON `users` (`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_phone` ON `users` (`phone`);--> statement-breakpoint
CREATE INDEX `users_created_at` ON `users` (`created_at`);