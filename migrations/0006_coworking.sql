CREATE TABLE `coworking_participants` (
	`session_id` text NOT NULL,
	`user_id` text NOT NULL,
	`mode` text NOT NULL,
	`joined_at` integer NOT NULL,
	`left_at` integer,
	`removed_at` integer,
	`minutes_present` integer DEFAULT 0 NOT NULL,
	`join_nonce` text NOT NULL,
	PRIMARY KEY(`session_id`, `user_id`),
	FOREIGN KEY (`session_id`) REFERENCES `coworking_sessions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `coworking_participants_user_idx` ON `coworking_participants` (`user_id`);--> statement-breakpoint
CREATE TABLE `coworking_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`host_id` text NOT NULL,
	`title` text NOT NULL,
	`duration_minutes` integer NOT NULL,
	`visibility` text NOT NULL,
	`plan` text,
	`starts_at` integer,
	`lat` real,
	`lng` real,
	`capacity` integer DEFAULT 50 NOT NULL,
	`share_code` text NOT NULL,
	`phase` text DEFAULT 'lobby' NOT NULL,
	`started_at` integer,
	`ends_at` integer,
	`ended_at` integer,
	`paused_ms` integer DEFAULT 0 NOT NULL,
	`invites_sent` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`host_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "coworking_sessions_capacity" CHECK("coworking_sessions"."capacity" BETWEEN 1 AND 50)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `coworking_sessions_share_code_idx` ON `coworking_sessions` (`share_code`);--> statement-breakpoint
CREATE INDEX `coworking_sessions_host_idx` ON `coworking_sessions` (`host_id`);--> statement-breakpoint
CREATE INDEX `coworking_sessions_nearby_idx` ON `coworking_sessions` (`lat`,`lng`) WHERE visibility = 'public' AND phase != 'ended' AND lat IS NOT NULL;--> statement-breakpoint
CREATE TABLE `remote_pass_ledger` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`delta` integer NOT NULL,
	`reason` text NOT NULL,
	`session_id` text,
	`actor_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`session_id`) REFERENCES `coworking_sessions`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`actor_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `remote_pass_ledger_user_idx` ON `remote_pass_ledger` (`user_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `remote_pass_ledger_spend_idx` ON `remote_pass_ledger` (`user_id`,`session_id`) WHERE reason = 'spend';--> statement-breakpoint
CREATE TABLE `remote_passes` (
	`user_id` text PRIMARY KEY NOT NULL,
	`balance` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "remote_passes_balance" CHECK("remote_passes"."balance" >= 0)
);
