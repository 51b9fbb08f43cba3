-- Databases domain: relationship columns (workers/databases/relationships/). One row per
-- relationship, seen from its parent side (`parent_key` on `parent_table_seq`, the table it was
-- created on) and its child side (`child_key`, Appwrite's twoWayKey, on `child_table_seq`). The
-- links themselves live in a run-time table `r_<seq>` (p, c) of parent and child row ids, whose
-- unique indexes hold the relationship's cardinality. Each VISIBLE side also has a `columns` row
-- of type 'relationship' (the parent always, the child when two-way), so column keys stay unique
-- across scalar and relationship columns and column lists show them; `columns.options` names the
-- relationship and the side.
CREATE TABLE `relationships` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`database_id` text NOT NULL,
	`parent_table_seq` integer NOT NULL,
	`parent_key` text NOT NULL COLLATE NOCASE,
	`child_table_seq` integer NOT NULL,
	`child_key` text NOT NULL COLLATE NOCASE,
	`type` text NOT NULL,
	`two_way` integer DEFAULT 0 NOT NULL,
	`on_delete` text DEFAULT 'restrict' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `relationships_parent` ON `relationships` (`parent_table_seq`,`parent_key`);
--> statement-breakpoint
CREATE INDEX `relationships_child` ON `relationships` (`child_table_seq`);
--> statement-breakpoint
ALTER TABLE `columns` ADD `options` text;
