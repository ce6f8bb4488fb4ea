import { z } from '@hono/zod-openapi';

const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Must be a date, YYYY-MM-DD')
  .refine((value) => {
    const parsed = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
  }, 'Must be a real calendar date')
  .openapi({ format: 'date', example: '2026-03-08' });

export const MetricsQuerySchema = z.object({
  from: Day.optional().openapi({ description: 'First UTC day; default 29 days before `to`.' }),
  to: Day.optional().openapi({ description: 'Last UTC day, at most today; default today.' }),
});

const Count = z.number().int().min(0);
const Rate = z.number().min(0).nullable().openapi({ description: 'Null when the denominator is 0.' });

export const LifecycleSchema = z
  .object({
    new: Count.openapi({ description: 'Signed up on the day and active on it.' }),
    returning: Count.openapi({ description: 'Active on the day and the day before.' }),
    resurrecting: Count.openapi({
      description: 'Active on the day, not the day before, and signed up before the day.',
    }),
    dormant: Count.openapi({ description: 'Active the day before, not on the day.' }),
  })
  .openapi('MetricsLifecycle');

export const MetricsDaySchema = z
  .object({
    date: Day,
    signups: Count,
    dau: Count,
    wau: Count.openapi({ description: 'Distinct users active in the 7 days ending with this one.' }),
    mau: Count.openapi({ description: 'Distinct users active in the 30 days ending with this one.' }),
    stickiness: Rate.openapi({ description: 'DAU / MAU.' }),
    lifecycle: LifecycleSchema,
    sessionsCreated: Count,
    sessionsHeld: Count.openapi({ description: 'Coworking sessions whose timer started on the day.' }),
    focusedMinutes: Count.openapi({ description: 'Credited minutes of sprints that ended on the day.' }),
    live: z.boolean().openapi({ description: 'Computed now from the raw rows (today, or a day not rolled up yet).' }),
  })
  .openapi('MetricsDay');

export const CohortSchema = z
  .object({
    week: Day.openapi({ description: 'The Monday (UTC) of the sign-up week.' }),
    size: Count,
    retention: z
      .array(
        z.object({
          week: z.number().int().min(0).openapi({ description: 'Weeks after the sign-up week (0 is that week).' }),
          active: Count,
          rate: Rate,
        }),
      )
      .openapi({ description: 'Up to the week `to` is in; the last may be a part week.' }),
  })
  .openapi('MetricsCohort');

export const MetricsReportSchema = z
  .object({
    from: Day,
    to: Day,
    days: z.array(MetricsDaySchema).openapi({ description: 'Every day from `from` to `to`, oldest first.' }),
    cohorts: z.array(CohortSchema).openapi({ description: 'Sign-up weeks starting in or just before the range.' }),
    coworking: z
      .object({
        sessionsCreated: Count,
        sessionsHeld: Count,
        sessionsEnded: Count.openapi({
          description: 'Started sessions that ended in the range: attendance is theirs.',
        }),
        attendance: z.object({
          mean: z.number().nullable(),
          median: z.number().nullable(),
          inPerson: Count,
          remote: Count,
          hosts: Count,
        }),
        invitesSent: Count.openapi({ description: 'Invites sent for the sessions that ended in the range.' }),
        joins: Count.openapi({
          description: 'Participants other than the host of those sessions. Joins are not linked to invites.',
        }),
      })
      .openapi('MetricsCoworking'),
    focusedMinutes: Count,
    signups: Count,
    ai: z
      .object({
        requests: Count.openapi({ description: 'Assistant answers in the range, whole or partial.' }),
        tokens: Count.openapi({
          description: 'Input and output tokens, as the provider reported them (or estimated).',
        }),
        users: Count.openapi({ description: 'People who asked the assistant at least once.' }),
      })
      .openapi('MetricsAi'),
  })
  .openapi('MetricsReport');
