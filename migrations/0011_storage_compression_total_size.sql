-- Storage: bucket compression applied at rest, and each bucket's total size.
-- `files.algorithm`: how the object in R2 is stored ('none', 'gzip', 'zstd'); a file keeps the
-- algorithm it was stored with when its bucket's setting later changes (Appwrite's `algorithm`).
ALTER TABLE `files` ADD COLUMN `algorithm` text DEFAULT 'none' NOT NULL;
--> statement-breakpoint
-- `buckets.total_size`: the sum of `size_original` over the bucket's complete files, changed in
-- the same D1 batch as the file row that adds or removes it.
ALTER TABLE `buckets` ADD COLUMN `total_size` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
UPDATE `buckets` SET `total_size` = (SELECT coalesce(sum(`size_original`), 0) FROM `files` WHERE `files`.`bucket_seq` = `buckets`.`seq` AND `files`.`status` = 'ready');
