import { z } from '@hono/zod-openapi';
import { IN_PERSON_RADIUS_M, MAX_CAPACITY, MAX_NEARBY_RADIUS_M } from './limits';

const Latitude = z.number().min(-90).max(90);
const Longitude = z.number().min(-180).max(180);

export const LocationSchema = z
  .strictObject({ lat: Latitude, lng: Longitude })
  .openapi('Location', { description: 'Degrees, WGS 84.' });

const Iso = z.string().openapi({ format: 'date-time' });

export const SessionSchema = z
  .object({
    id: z.string(),
    hostId: z.string(),
    title: z.string(),
    durationMinutes: z.number().int(),
    visibility: z.enum(['public', 'private']),
    plan: z.string().nullable(),
    startsAt: Iso.nullable(),
    location: LocationSchema.nullable(),
    capacity: z.number().int(),
    shareCode: z.string().openapi({ example: 'K7QX2MZP' }),
    phase: z.enum(['lobby', 'running', 'paused', 'ended']),
    startedAt: Iso.nullable(),
    endsAt: Iso.nullable(),
    endedAt: Iso.nullable(),
    pausedMs: z.number().int().openapi({ description: 'Time spent paused so far, in milliseconds.' }),
    invitesSent: z.number().int(),
    createdAt: Iso,
    updatedAt: Iso,
  })
  .openapi('CoworkingSession');

export const ParticipationSchema = z
  .object({
    userId: z.string(),
    mode: z.enum(['host', 'in_person', 'remote']),
    joinedAt: Iso,
    leftAt: Iso.nullable(),
    minutesPresent: z.number().int(),
  })
  .openapi('CoworkingParticipation');

export const ParticipantSchema = z
  .object({
    userId: z.string(),
    name: z.string(),
    mode: z.enum(['host', 'in_person', 'remote']),
    joinedAt: Iso,
    leftAt: Iso.nullable(),
    minutesPresent: z.number().int(),
    present: z.boolean().optional().openapi({ description: 'Whether they have the session open right now.' }),
  })
  .openapi('CoworkingParticipant');

export const TimerSchema = z
  .object({
    type: z.literal('timer'),
    phase: z.enum(['lobby', 'running', 'paused', 'ended']),
    startedAt: z.string().nullable(),
    endsAt: z.string().nullable().openapi({ description: 'When the timer reaches zero if nothing changes.' }),
    remainingMs: z
      .number()
      .int()
      .openapi({ description: 'Left at `now`: the whole duration in the lobby, frozen while paused.' }),
    durationMs: z.number().int().openapi({ description: 'The planned length, extensions included.' }),
    now: z.string().openapi({ description: "The server's clock: count down from `endsAt` with your offset to it." }),
    version: z
      .number()
      .int()
      .openapi({ description: 'Rises with every change; ignore a frame older than the one you hold.' }),
  })
  .openapi('Timer');

export const SessionDetailsSchema = z
  .object({
    session: SessionSchema,
    host: z.object({ id: z.string(), name: z.string() }),
    participants: z.array(ParticipantSchema),
    seatsTaken: z.number().int().openapi({ description: 'Participants other than the host; leaving keeps a seat.' }),
    capacity: z.number().int(),
    you: ParticipationSchema.nullable(),
    timer: TimerSchema.nullable().openapi({
      description: "The timer as the session's object holds it now (null before it was set up).",
    }),
  })
  .openapi('CoworkingSessionDetails');

export const CreateSessionSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(120),
    durationMinutes: z.number().int().min(5).max(480),
    visibility: z.enum(['public', 'private']),
    startsAt: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'A scheduled start, in the future and at most 30 days ahead.' }),
    location: LocationSchema.optional(),
    capacity: z
      .number()
      .int()
      .min(1)
      .max(MAX_CAPACITY)
      .optional()
      .openapi({ description: `Seats besides the host's (default ${MAX_CAPACITY}).` }),
    plan: z.string().trim().max(2000).optional(),
  })
  .openapi('CoworkingSessionCreate');

export const JoinSessionSchema = z
  .strictObject({
    code: z.string().min(1).max(32).optional().openapi({ description: 'The share code; private sessions need it.' }),
    location: z
      .strictObject({ lat: Latitude, lng: Longitude, accuracy: z.number().min(0).max(100_000).optional() })
      .optional()
      .openapi({ description: `Where you are: within ${IN_PERSON_RADIUS_M} m you join in person. Never stored.` }),
    remote: z.boolean().optional().openapi({ description: 'Join from elsewhere, spending one remote pass.' }),
  })
  .openapi('CoworkingJoin');

export const JoinResultSchema = z
  .object({ session: SessionSchema, participation: ParticipationSchema })
  .openapi('CoworkingJoinResult');

export const NearbyQuerySchema = z.object({
  lat: z.coerce.number().min(-90).max(90),
  lng: z.coerce.number().min(-180).max(180),
  radius: z.coerce
    .number()
    .min(1)
    .max(MAX_NEARBY_RADIUS_M)
    .default(IN_PERSON_RADIUS_M)
    .openapi({ description: `Metres, at most ${MAX_NEARBY_RADIUS_M} (default ${IN_PERSON_RADIUS_M}).` }),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const NearbySessionSchema = SessionSchema.extend({ distanceMeters: z.number() }).openapi(
  'NearbyCoworkingSession',
);

export const InviteSchema = z
  .strictObject({ userIds: z.array(z.string().min(1).max(64)).min(1).max(50) })
  .openapi('CoworkingInvite');

export const LedgerEntrySchema = z
  .object({
    id: z.string(),
    delta: z.number().int(),
    reason: z.enum(['initial', 'grant', 'spend']),
    sessionId: z.string().nullable(),
    actorId: z.string().nullable(),
    createdAt: Iso,
  })
  .openapi('RemotePassLedgerEntry');

export const PassesSchema = z
  .object({ balance: z.number().int(), ledger: z.array(LedgerEntrySchema) })
  .openapi('RemotePasses');
