-- Multi-factor authentication (workers/account/mfa). Kept in sync with workers/db/schema.ts
-- (`mfaAuthenticators`, `mfaChallenges`, `mfaRecoveryCodes`).
CREATE TABLE `mfa_authenticators` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`type` text NOT NULL,
	`secret` text NOT NULL,
	`verified` integer DEFAULT false NOT NULL,
	`last_step` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mfa_authenticators_user_type` ON `mfa_authenticators` (`user_id`,`type`);
--> statement-breakpoint
CREATE TABLE `mfa_challenges` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`type` text NOT NULL,
	`code_hash` text DEFAULT '' NOT NULL,
	`expire` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `mfa_challenges_user` ON `mfa_challenges` (`user_id`);
--> statement-breakpoint
CREATE INDEX `mfa_challenges_expire` ON `mfa_challenges` (`expire`);
--> statement-breakpoint
CREATE TABLE `mfa_recovery_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`code_hash` text NOT NULL,
	`sealed` text NOT NULL,
	`position` integer NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `mfa_recovery_codes_user` ON `mfa_recovery_codes` (`user_id`,`position`);
