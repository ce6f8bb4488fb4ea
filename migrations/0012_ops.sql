CREATE TABLE `ops_alert_state` (
	`key` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`detail` text,
	`changed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ops_errors` (
	`id` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`source` text NOT NULL,
	`route` text,
	`request_id` text,
	`user_id` text,
	`name` text NOT NULL,
	`message` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ops_errors_at_idx` ON `ops_errors` (`at`);--> statement-breakpoint
CREATE TABLE `ops_queue_events` (
	`id` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`type` text NOT NULL,
	`outcome` text NOT NULL,
	`attempts` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ops_queue_events_at_idx` ON `ops_queue_events` (`at`);