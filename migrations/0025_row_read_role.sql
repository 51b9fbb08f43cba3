-- Hot paths: the SQL layout of each user table. Layout 1 (every table created from now on) gives
-- `t_<seq>` a `_read` column — the row's single read role: the role of its only `read`
-- permission, '' for none, NULL for several — and ends every key index in `_seq, _read`, so a
-- list or a `total` under rowSecurity decides most rows from the index entry, without probing the
-- permission side table (workers/databases/schema-sql.ts READ_ROLE_COLUMN). Tables made before
-- keep layout 0 and the probe.
ALTER TABLE `tables` ADD `layout` integer DEFAULT 0 NOT NULL;
