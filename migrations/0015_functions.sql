-- Functions (workers/functions): functions, their variables, deployments (code archives in R2,
-- built into a module map), executions, and the cron slots already run. Ids are Appwrite ids;
-- `seq` keys list order and cursors (lib/system-list). JSON arrays are text, booleans 0/1.
CREATE TABLE `functions` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`runtime` text NOT NULL,
	`execute` text DEFAULT '[]' NOT NULL,
	`events` text DEFAULT '[]' NOT NULL,
	`schedule` text DEFAULT '' NOT NULL,
	`schedule_since` text NOT NULL,
	`timeout` integer DEFAULT 15 NOT NULL,
	`enabled` integer DEFAULT 1 NOT NULL,
	`logging` integer DEFAULT 1 NOT NULL,
	`entrypoint` text DEFAULT '' NOT NULL,
	`commands` text DEFAULT '' NOT NULL,
	`scopes` text DEFAULT '[]' NOT NULL,
	`settings` text DEFAULT '{}' NOT NULL,
	`deployment_id` text DEFAULT '' NOT NULL,
	`deployment_created_at` text DEFAULT '' NOT NULL,
	`search` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `functions_id` ON `functions` (`id`);
--> statement-breakpoint
CREATE INDEX `functions_schedule` ON `functions` (`schedule`) WHERE `schedule` != '';
--> statement-breakpoint
CREATE TABLE `function_variables` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`function_id` text NOT NULL,
	`key` text NOT NULL,
	`value` text DEFAULT '' NOT NULL,
	`secret` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `function_variables_id` ON `function_variables` (`function_id`, `id`);
--> statement-breakpoint
CREATE UNIQUE INDEX `function_variables_key` ON `function_variables` (`function_id`, `key`);
--> statement-breakpoint
CREATE TABLE `deployments` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`function_id` text NOT NULL,
	`type` text DEFAULT 'manual' NOT NULL,
	`entrypoint` text NOT NULL,
	`commands` text DEFAULT '' NOT NULL,
	`status` text DEFAULT 'waiting' NOT NULL,
	`build_logs` text DEFAULT '' NOT NULL,
	`build_duration` integer DEFAULT 0 NOT NULL,
	`source_size` integer DEFAULT 0 NOT NULL,
	`build_size` integer DEFAULT 0 NOT NULL,
	`activate` integer DEFAULT 0 NOT NULL,
	`chunks_total` integer DEFAULT 1 NOT NULL,
	`chunks_uploaded` integer DEFAULT 0 NOT NULL,
	`upload_id` text DEFAULT '' NOT NULL,
	`imports_sdk` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deployments_id` ON `deployments` (`id`);
--> statement-breakpoint
CREATE INDEX `deployments_function` ON `deployments` (`function_id`, `seq`);
--> statement-breakpoint
CREATE TABLE `deployment_parts` (
	`deployment_id` text NOT NULL,
	`part` integer NOT NULL,
	`etag` text NOT NULL,
	PRIMARY KEY(`deployment_id`, `part`)
);
--> statement-breakpoint
CREATE TABLE `executions` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`function_id` text NOT NULL,
	`deployment_id` text DEFAULT '' NOT NULL,
	`trigger` text NOT NULL,
	`status` text NOT NULL,
	`permissions` text DEFAULT '[]' NOT NULL,
	`request_method` text DEFAULT 'POST' NOT NULL,
	`request_path` text DEFAULT '/' NOT NULL,
	`request_headers` text DEFAULT '[]' NOT NULL,
	`response_status_code` integer DEFAULT 0 NOT NULL,
	`response_headers` text DEFAULT '[]' NOT NULL,
	`logs` text DEFAULT '' NOT NULL,
	`errors` text DEFAULT '' NOT NULL,
	`duration` real DEFAULT 0 NOT NULL,
	`scheduled_at` text,
	`queued` integer DEFAULT 0 NOT NULL,
	`input` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `executions_id` ON `executions` (`id`);
--> statement-breakpoint
CREATE INDEX `executions_function` ON `executions` (`function_id`, `seq`);
--> statement-breakpoint
CREATE INDEX `executions_scheduled` ON `executions` (`scheduled_at`) WHERE `status` = 'scheduled' AND `queued` = 0;
--> statement-breakpoint
CREATE TABLE `function_schedule_runs` (
	`function_id` text NOT NULL,
	`slot` text NOT NULL,
	`ran_at` text NOT NULL,
	PRIMARY KEY(`function_id`, `slot`)
);
--> statement-breakpoint
CREATE INDEX `function_schedule_runs_ran_at` ON `function_schedule_runs` (`ran_at`);
