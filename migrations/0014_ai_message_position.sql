DROP INDEX `ai_messages_conversation_idx`;--> statement-breakpoint
ALTER TABLE `ai_messages` ADD `position` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `ai_messages_conversation_idx` ON `ai_messages` (`conversation_id`,`position`);