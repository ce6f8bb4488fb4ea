CREATE TABLE `sprints` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`session_id` text,
	`goal` text,
	`planned_minutes` integer NOT NULL,
	`started_at` integer NOT NULL,
	`planned_end_at` integer NOT NULL,
	`ended_at` integer,
	`status` text NOT NULL,
	`credited_minutes` integer DEFAULT 0 NOT NULL,
	`local_date` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`session_id`) REFERENCES `coworking_sessions`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `sprints_user_day_idx` ON `sprints` (`user_id`,`local_date`);--> statement-breakpoint
CREATE UNIQUE INDEX `sprints_session_user_idx` ON `sprints` (`session_id`,`user_id`) WHERE kind = 'session';--> statement-breakpoint
CREATE UNIQUE INDEX `sprints_running_solo_idx` ON `sprints` (`user_id`) WHERE kind = 'solo' AND status = 'running';