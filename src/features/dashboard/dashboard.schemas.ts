import { z } from '@hono/zod-openapi';

const Iso = z.string().openapi({ format: 'date-time' });
const Day = z.string().openapi({ format: 'date', example: '2026-03-08' });
const Count = z.number().int().min(0);

export const DashboardSchema = z
  .object({
    cards: z.object({
      focusMinutesThisWeek: Count.openapi({
        description: 'Credited minutes since Monday of this week, in your time zone.',
      }),
      streak: Count.openapi({ description: 'Your current streak, as `GET /api/sprints/stats` counts it.' }),
      filesCount: Count,
      storageUsedBytes: Count,
      quotaBytes: Count,
      roomsWithNewMessages: Count.openapi({
        description:
          'Rooms you belong to whose latest archived message, from the last 7 days and since you joined, is someone else’s: rooms waiting for you.',
      }),
    }),
    recent: z.object({
      files: z
        .array(z.object({ id: z.string(), name: z.string(), size: Count, contentType: z.string(), createdAt: Iso }))
        .openapi({ description: 'Your last 5 files, newest first.' }),
      messages: z
        .array(
          z.object({
            roomId: z.string(),
            roomName: z.string(),
            id: z.string(),
            authorId: z.string(),
            authorName: z.string().nullable(),
            text: z.string(),
            sentAt: Iso,
          }),
        )
        .openapi({ description: 'The last 5 messages (not deleted) in your rooms, from the archive, newest first.' }),
      sessions: z
        .array(
          z.object({
            id: z.string(),
            title: z.string(),
            phase: z.enum(['lobby', 'running', 'paused', 'ended']),
            role: z.enum(['host', 'in_person', 'remote']),
            startsAt: Iso.nullable(),
            startedAt: Iso.nullable(),
            endedAt: Iso.nullable(),
            minutesPresent: Count,
          }),
        )
        .openapi({ description: 'The last 5 coworking sessions you hosted or joined.' }),
      sprints: z
        .array(
          z.object({
            id: z.string(),
            kind: z.enum(['solo', 'session']),
            goal: z.string().nullable(),
            status: z.enum(['running', 'completed', 'abandoned', 'expired']),
            plannedMinutes: Count,
            creditedMinutes: Count,
            startedAt: Iso,
            localDate: Day.nullable(),
          }),
        )
        .openapi({ description: 'Your last 5 sprints, newest first.' }),
    }),
    charts: z.object({
      minutesByDay: z
        .array(z.object({ date: Day, minutes: Count }))
        .openapi({ description: 'The last 14 days in your time zone, oldest first, zeros included.' }),
      storageByDay: z.array(z.object({ date: Day, bytes: Count })).openapi({
        description:
          'Bytes at the end of each of the last 30 UTC days, oldest first. An approximation: the files you have now, by the day each was created (deleted files are gone, so they never count).',
      }),
    }),
  })
  .openapi('Dashboard');
