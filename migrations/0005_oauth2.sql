-- OAuth2 sign-in (workers/account/oauth2): one row per sign-in in flight, keyed by the SHA-256 of
-- the `state` sent to the provider, used once and short-lived. Kept in sync with
-- workers/db/schema.ts (`oauth2States`).
CREATE TABLE `oauth2_states` (
	`id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`mode` text NOT NULL,
	`success` text NOT NULL,
	`failure` text NOT NULL,
	`code_verifier` text NOT NULL,
	`nonce` text NOT NULL,
	`binding_hash` text NOT NULL,
	`expire` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `oauth2_states_expire` ON `oauth2_states` (`expire`);
