-- Hot paths (issue 15): a version that moves whenever a function or webhook subscription may have
-- changed, so a write can tell, in its own batch, whether a per-isolate copy of the subscriptions
-- is current (workers/events/subscribers.ts). Raised by triggers, so no write path can forget it.
-- Each trigger is one line: the e2e/bench migration splitter cuts at a `;` that ends a line.
CREATE TABLE `event_subscriptions` (
	`id` integer PRIMARY KEY NOT NULL,
	`version` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
INSERT INTO `event_subscriptions` (`id`, `version`) VALUES (1, 0);
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
