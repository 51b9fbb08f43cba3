-- Hot paths (issue 15): what the event sinks' probes read at the end of a write's own batch
-- (workers/events/publish.ts `commitProbes`), so a write nobody listens to costs no queue message
-- and no realtime RPC.
--
-- event_subscriptions: a version that moves whenever a function or webhook subscription may have
-- changed, so a per-isolate copy of the subscriptions can be trusted while it has not moved
-- (workers/events/subscribers.ts). Raised by triggers, so no write path can forget it.
-- realtime_listeners: written by the realtime replay keeper (workers/realtime/hub/listeners.ts).
-- Each trigger is one line: the e2e/bench migration splitter cuts at a `;` that ends a line.
CREATE TABLE `event_subscriptions` (
	`id` integer PRIMARY KEY NOT NULL,
	`version` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `realtime_listeners` (
	`id` integer PRIMARY KEY NOT NULL,
	`listening` integer DEFAULT 0 NOT NULL,
	`idle_since` integer
);
--> statement-breakpoint
INSERT INTO `event_subscriptions` (`id`, `version`) VALUES (1, 0);
--> statement-breakpoint
INSERT INTO `realtime_listeners` (`id`, `listening`, `idle_since`) VALUES (1, 0, NULL);
--> statement-breakpoint
CREATE TRIGGER `event_subscriptions_fn_ai` AFTER INSERT ON `functions` BEGIN UPDATE `event_subscriptions` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `event_subscriptions_fn_ad` AFTER DELETE ON `functions` BEGIN UPDATE `event_subscriptions` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `event_subscriptions_fn_au` AFTER UPDATE OF `id`, `enabled`, `events`, `deployment_id` ON `functions` BEGIN UPDATE `event_subscriptions` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `event_subscriptions_wh_ai` AFTER INSERT ON `webhooks` BEGIN UPDATE `event_subscriptions` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `event_subscriptions_wh_ad` AFTER DELETE ON `webhooks` BEGIN UPDATE `event_subscriptions` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `event_subscriptions_wh_au` AFTER UPDATE OF `id`, `enabled`, `events` ON `webhooks` BEGIN UPDATE `event_subscriptions` SET `version` = `version` + 1 WHERE `id` = 1; END;
