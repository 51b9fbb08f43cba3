-- Storage (workers/storage): buckets, files and their permission side table, chunked-upload parts,
-- and file (resource) tokens. File bytes live in R2 under `<bucket seq>/<file key>`, a
-- server-generated key (`files.r2_key`); a file's name is metadata only.
CREATE TABLE `buckets` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`permissions` text DEFAULT '[]' NOT NULL,
	`file_security` integer DEFAULT 0 NOT NULL,
	`enabled` integer DEFAULT 1 NOT NULL,
	`maximum_file_size` integer NOT NULL,
	`allowed_file_extensions` text DEFAULT '[]' NOT NULL,
	`compression` text DEFAULT 'none' NOT NULL,
	`encryption` integer DEFAULT 1 NOT NULL,
	`antivirus` integer DEFAULT 1 NOT NULL,
	`transformations` integer DEFAULT 1 NOT NULL,
	`search` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `buckets_id` ON `buckets` (`id`);
--> statement-breakpoint
-- `status`: 'uploading' while chunks arrive (`upload_id` names the R2 multipart upload),
-- 'completing' while the one request that claimed completion assembles it, 'ready' after.
CREATE TABLE `files` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`bucket_seq` integer NOT NULL,
	`bucket_id` text NOT NULL,
	`id` text NOT NULL,
	`r2_key` text NOT NULL,
	`name` text NOT NULL,
	`permissions` text DEFAULT '[]' NOT NULL,
	`mime_type` text DEFAULT '' NOT NULL,
	`size_original` integer NOT NULL,
	`size_actual` integer DEFAULT 0 NOT NULL,
	`signature` text DEFAULT '' NOT NULL,
	`chunks_total` integer DEFAULT 1 NOT NULL,
	`chunks_uploaded` integer DEFAULT 0 NOT NULL,
	`status` text DEFAULT 'ready' NOT NULL,
	`upload_id` text,
	`completing_at` text,
	`version` integer DEFAULT 1 NOT NULL,
	`search` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `files_bucket_id` ON `files` (`bucket_seq`, `id`);
--> statement-breakpoint
CREATE INDEX `files_bucket_created` ON `files` (`bucket_seq`, `created_at`);
--> statement-breakpoint
CREATE INDEX `files_status_updated` ON `files` (`status`, `updated_at`);
--> statement-breakpoint
-- The files' permission side table, as rows have theirs (lib/permissions-container readScope).
CREATE TABLE `file_perms` (
	`_seq` integer NOT NULL,
	`type` text NOT NULL,
	`role` text NOT NULL,
	PRIMARY KEY(`_seq`, `type`, `role`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `file_perms_role` ON `file_perms` (`type`, `role`, `_seq`);
--> statement-breakpoint
-- One row per uploaded chunk (= R2 multipart part) of an incomplete file; counting them is how
-- concurrent chunks agree on `chunks_uploaded`.
CREATE TABLE `file_chunks` (
	`file_seq` integer NOT NULL,
	`part` integer NOT NULL,
	`etag` text NOT NULL,
	`size` integer NOT NULL,
	PRIMARY KEY(`file_seq`, `part`)
) WITHOUT ROWID;
--> statement-breakpoint
-- File tokens (Tokens service): the secret is a JWT naming the token; the row makes it revocable.
CREATE TABLE `file_tokens` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`bucket_id` text NOT NULL,
	`file_id` text NOT NULL,
	`expire` text,
	`accessed_at` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `file_tokens_id` ON `file_tokens` (`id`);
--> statement-breakpoint
CREATE INDEX `file_tokens_file` ON `file_tokens` (`bucket_id`, `file_id`);
