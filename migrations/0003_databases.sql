-- Databases domain: metadata of user databases, tables, columns and indexes (workers/db/schema.ts,
-- "Databases" section). The user tables themselves (t_<seq>, t_<seq>_perms, indexes, FTS5 tables)
-- are created at run time by workers/databases/schema-store.ts.
CREATE TABLE `databases` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`enabled` integer DEFAULT 1 NOT NULL,
	`type` text DEFAULT 'tablesdb' NOT NULL,
	`search` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `databases_id` ON `databases` (`id`);
--> statement-breakpoint
CREATE INDEX `databases_created_at` ON `databases` (`created_at`);
--> statement-breakpoint
CREATE TABLE `tables` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`database_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`permissions` text DEFAULT '[]' NOT NULL,
	`row_security` integer DEFAULT 0 NOT NULL,
	`enabled` integer DEFAULT 1 NOT NULL,
	`search` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tables_database_id` ON `tables` (`database_id`,`id`);
--> statement-breakpoint
CREATE TABLE `columns` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`table_seq` integer NOT NULL,
	`key` text NOT NULL COLLATE NOCASE,
	`type` text NOT NULL,
	`size` integer,
	`required` integer DEFAULT 0 NOT NULL,
	`array` integer DEFAULT 0 NOT NULL,
	`default_value` text,
	`min` text,
	`max` text,
	`elements` text,
	`encrypt` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `columns_table_key` ON `columns` (`table_seq`,`key`);
--> statement-breakpoint
CREATE TABLE `indexes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`table_seq` integer NOT NULL,
	`key` text NOT NULL COLLATE NOCASE,
	`type` text NOT NULL,
	`columns` text DEFAULT '[]' NOT NULL,
	`orders` text DEFAULT '[]' NOT NULL,
	`lengths` text DEFAULT '[]' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `indexes_table_key` ON `indexes` (`table_seq`,`key`);
