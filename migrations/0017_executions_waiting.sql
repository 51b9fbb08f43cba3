-- The cron's sweep of waiting executions whose queue message was lost or dead-lettered
-- (workers/functions/schedules.ts): only waiting rows are indexed, by when they were last touched.
CREATE INDEX `executions_waiting` ON `executions` (`updated_at`) WHERE `status` = 'waiting';
