CREATE TABLE `metrics_daily` (
	`day` text PRIMARY KEY NOT NULL,
	`figures` text NOT NULL,
	`computed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `user_activity_days` (
	`user_id` text NOT NULL,
	`day` text NOT NULL,
	`first_kind` text NOT NULL,
	PRIMARY KEY(`user_id`, `day`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `user_activity_days_day_idx` ON `user_activity_days` (`day`,`user_id`);