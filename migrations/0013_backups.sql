CREATE TABLE `backup_schedule` (
	`id` text PRIMARY KEY NOT NULL,
	`frequency` text NOT NULL,
	`hour_utc` integer NOT NULL,
	`weekday` integer,
	`keep` integer NOT NULL,
	`last_slot_at` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `backups` (
	`id` text PRIMARY KEY NOT NULL,
	`origin` text NOT NULL,
	`status` text NOT NULL,
	`busy` integer,
	`created_by` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`r2_key` text NOT NULL,
	`encrypted` integer DEFAULT false NOT NULL,
	`step` integer DEFAULT 0 NOT NULL,
	`lease_until` integer,
	`progress_at` integer,
	`cursor` text,
	`size_bytes` integer DEFAULT 0 NOT NULL,
	`rows_done` integer DEFAULT 0 NOT NULL,
	`rows_total` integer DEFAULT 0 NOT NULL,
	`objects_done` integer DEFAULT 0 NOT NULL,
	`objects_total` integer DEFAULT 0 NOT NULL,
	`manifest_sha256` text,
	`error` text,
	`restore_status` text,
	`restore_started_at` integer,
	`restore_finished_at` integer,
	`restore_rows_done` integer DEFAULT 0 NOT NULL,
	`restore_objects_done` integer DEFAULT 0 NOT NULL,
	`restore_error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `backups_busy_unique` ON `backups` (`busy`);--> statement-breakpoint
CREATE INDEX `backups_created_idx` ON `backups` (`created_at`,`id`);