import { createRoute } from '@hono/zod-openapi';
import { IdParam, jsonRequest, jsonResponse, problemResponses } from '../../lib/openapi';
import { PageQuerySchema, pageSchema } from '../../lib/pagination';
import { requireAuth } from '../../middleware/auth';
import {
  CompletedSprintSchema,
  CompleteSprintSchema,
  SprintSchema,
  SprintStatsSchema,
  StartSoloSchema,
} from './sprints.schemas';

const tags = ['Sprints'];
const security = [{ bearer: [] }];

const route = <R extends Parameters<typeof createRoute>[0]>(config: R) =>
  createRoute({ tags, security, middleware: [requireAuth()], ...config });

export const startSoloRoute = route({
  method: 'post',
  path: '/api/sprints/solo',
  summary: 'Start a solo sprint',
  description:
    'The server stamps `startedAt` and `plannedEndAt`; count down from `plannedEndAt`. One solo sprint runs at a time: 409 `conflict` while another runs (complete or abandon it first). A sprint left running more than 12 hours past its planned end is closed as `expired`, without credit.',
  request: jsonRequest(StartSoloSchema),
  responses: { 201: jsonResponse(SprintSchema, 'The running sprint'), ...problemResponses(400, 401, 409) },
});

export const listSprintsRoute = route({
  method: 'get',
  path: '/api/sprints',
  summary: 'My sprints, newest first',
  description: 'Solo sprints and my part in coworking sessions.',
  request: { query: PageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(SprintSchema), 'A page of sprints'), ...problemResponses(400, 401) },
});

export const statsRoute = route({
  method: 'get',
  path: '/api/sprints/stats',
  summary: 'My streak, freezes, minutes per day and badges',
  description:
    'A streak day is a day, in your time zone when the sprint was credited, with at least one sprint (solo or coworking) credited one minute or more. `today` and the 90-day window are in your time zone now. Every 7 streak days in a row earn a freeze (at most 2 held); a missed day while one is held keeps the streak and spends it.',
  responses: { 200: jsonResponse(SprintStatsSchema, 'Stats'), ...problemResponses(401) },
});

export const completeSprintRoute = route({
  method: 'post',
  path: '/api/sprints/{id}/complete',
  summary: 'Complete my running solo sprint',
  description:
    'Credits the whole minutes spent since `startedAt`, never more than planned, to today in your time zone. `newBadges` names the badges this earned. Another user’s sprint is a 404; a sprint no longer running is 409 `conflict`.',
  request: { params: IdParam, ...jsonRequest(CompleteSprintSchema, false) },
  responses: {
    200: jsonResponse(CompletedSprintSchema, 'Completed'),
    ...problemResponses(400, 401, 404, 409),
  },
});

export const abandonSprintRoute = route({
  method: 'post',
  path: '/api/sprints/{id}/abandon',
  summary: 'Abandon my running solo sprint',
  description: 'Nothing is credited. A sprint no longer running is 409 `conflict`; another user’s sprint is a 404.',
  request: { params: IdParam },
  responses: { 200: jsonResponse(SprintSchema, 'Abandoned'), ...problemResponses(400, 401, 404, 409) },
});
