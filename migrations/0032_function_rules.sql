-- Proxy rules (issue 16) as appwrite-cli creates them when it pushes a new function
-- (POST /v1/proxy/rules/function). Ledge serves functions at /v1/functions/<id>/http/ on the API
-- host and routes no custom domains: a rule is recorded and listed, not served.
CREATE TABLE `function_rules` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`domain` text NOT NULL,
	`function_id` text NOT NULL,
	`branch` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `function_rules_id` ON `function_rules` (`id`);
--> statement-breakpoint
CREATE UNIQUE INDEX `function_rules_domain` ON `function_rules` (`domain`);
