// The numbers a coworking session is held to. No imports: the schemas (and so the web app) read them too.

/** How close counts as "at the same place" for an in-person join. */
export const IN_PERSON_RADIUS_M = 50;
export const MAX_CAPACITY = 50;
/** Nearby searches at most this far. */
export const MAX_NEARBY_RADIUS_M = 5000;
/** A scheduled session starts at most this far ahead. */
export const MAX_SCHEDULE_AHEAD_MS = 30 * 24 * 60 * 60 * 1000;
