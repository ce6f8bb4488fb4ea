import { z } from '@hono/zod-openapi';

const Iso = z.string().openapi({ format: 'date-time' });
const LocalDate = z.string().openapi({ format: 'date', example: '2026-03-08' });

export const SprintSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['solo', 'session']),
    sessionId: z.string().nullable().openapi({ description: 'The coworking session, for `session` sprints.' }),
    goal: z.string().nullable(),
    plannedMinutes: z.number().int(),
    startedAt: Iso,
    plannedEndAt: Iso.openapi({ description: 'When the timer reaches zero: count down from it.' }),
    endedAt: Iso.nullable(),
    status: z.enum(['running', 'completed', 'abandoned', 'expired']),
    creditedMinutes: z.number().int(),
    localDate: LocalDate.nullable().openapi({
      description: 'The day, in your time zone when it was credited, that the sprint counts for.',
    }),
    done: z.boolean().nullable().openapi({ description: 'Whether you said you did what you set out to.' }),
    createdAt: Iso,
    now: Iso.openapi({
      description:
        "The server's clock when it answered: a timer counts down from `plannedEndAt` corrected by how far the device's clock is from this.",
    }),
  })
  .openapi('Sprint');

export const StartSoloSchema = z
  .strictObject({
    durationMinutes: z.number().int().min(5).max(180),
    goal: z.string().trim().min(1).max(200).optional(),
  })
  .openapi('SprintStart');

export const CompleteSprintSchema = z
  .strictObject({
    done: z.boolean().optional().openapi({ description: 'Whether you did what you set out to.' }),
  })
  .openapi('SprintComplete');

export const BadgeSchema = z
  .object({
    id: z.string().openapi({ example: 'first_sprint' }),
    name: z.string().openapi({ example: 'First sprint' }),
    awardedAt: Iso,
  })
  .openapi('Badge');

export const CompletedSprintSchema = z
  .object({
    sprint: SprintSchema,
    newBadges: z.array(BadgeSchema).openapi({ description: 'Badges this completion earned, to celebrate.' }),
  })
  .openapi('SprintCompleted');

export const SprintStatsSchema = z
  .object({
    timezone: z.string().openapi({ description: 'Your time zone now (UTC when unset): what `today` is in.' }),
    today: LocalDate,
    todayMinutes: z.number().int(),
    currentStreak: z.number().int().openapi({ description: 'Streak days in the streak alive today.' }),
    longestStreak: z.number().int(),
    freezes: z.object({
      held: z.number().int().min(0).max(2),
      used: z.array(LocalDate).openapi({ description: 'Missed days a freeze covered, oldest first.' }),
    }),
    needsSprintToday: z
      .boolean()
      .openapi({ description: 'Today is not a streak day yet, and a sprint today keeps the streak alive.' }),
    minutesByDay: z
      .array(z.object({ date: LocalDate, minutes: z.number().int() }))
      .openapi({ description: 'The last 90 days in your time zone, oldest first, zeros included.' }),
    badges: z.array(BadgeSchema),
    allBadges: z
      .array(
        z.object({
          id: z.string(),
          name: z.string(),
          description: z.string(),
          awardedAt: Iso.nullable(),
        }),
      )
      .openapi({ description: 'Every badge there is, in order, with when you earned it (null: not yet).' }),
  })
  .openapi('SprintStats');
