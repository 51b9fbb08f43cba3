-- Databases (issue 14): Appwrite transactions. A transaction belongs to the caller that created it
-- (`owner`: `user:<id>` or `key`); its operations are staged here, in order, and compiled into ONE
-- D1 batch on commit (workers/databases/transactions/). `snapshots` keeps, per row a staged
-- operation names, the row's fingerprint when the transaction first touched it (NULL: the row did
-- not exist); the commit fails with a conflict, applying nothing, if any row changed since.
CREATE TABLE `transactions` (
  `id` text PRIMARY KEY NOT NULL,
  `owner` text NOT NULL,
  `status` text NOT NULL,
  `operations` integer DEFAULT 0 NOT NULL,
  `created_at` text NOT NULL,
  `updated_at` text NOT NULL,
  `expires_at` text NOT NULL
);
CREATE INDEX `transactions_owner` ON `transactions` (`owner`, `created_at`);
CREATE INDEX `transactions_expires_at` ON `transactions` (`expires_at`);
CREATE TABLE `transaction_operations` (
  `transaction_id` text NOT NULL,
  `position` integer NOT NULL,
  `action` text NOT NULL,
  `flavor` text NOT NULL,
  `database_id` text NOT NULL,
  `table_id` text NOT NULL,
  `row_id` text,
  `data` text NOT NULL,
  PRIMARY KEY (`transaction_id`, `position`)
);
CREATE TABLE `transaction_snapshots` (
  `transaction_id` text NOT NULL,
  `table_seq` integer NOT NULL,
  `row_id` text NOT NULL,
  `fingerprint` text,
  PRIMARY KEY (`transaction_id`, `table_seq`, `row_id`)
);
