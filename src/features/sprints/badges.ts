/** What a badge is measured on, all read from the user's sprints and hosted sessions. */
export interface Progress {
  /** Sprints credited at least one minute, solo and coworking. */
  sprints: number;
  /** The longest streak ever, in streak days. */
  longestStreak: number;
  focusedMinutes: number;
  /** Coworking sessions the user was credited time in. */
  sessionsAttended: number;
  /** Coworking sessions the user hosted that ran and ended. */
  sessionsHosted: number;
}

export interface Badge {
  id: string;
  name: string;
  description: string;
  earned: (progress: Progress) => boolean;
}

const milestone = (id: string, name: string, description: string, metric: keyof Progress, threshold: number) => ({
  id,
  name,
  description,
  earned: (progress: Progress) => progress[metric] >= threshold,
});

/**
 * Every badge there is. Ids are stored in `user_badges`, so never rename one; a badge added later
 * is awarded to those who already qualify the next time their badges are checked.
 */
export const BADGES: readonly Badge[] = [
  milestone('first_sprint', 'First sprint', 'Complete your first sprint.', 'sprints', 1),
  milestone('sprints_10', '10 sprints', 'Complete 10 sprints.', 'sprints', 10),
  milestone('sprints_50', '50 sprints', 'Complete 50 sprints.', 'sprints', 50),
  milestone('sprints_100', '100 sprints', 'Complete 100 sprints.', 'sprints', 100),
  milestone('streak_7', '7-day streak', 'Focus 7 days in a row.', 'longestStreak', 7),
  milestone('streak_30', '30-day streak', 'Focus 30 days in a row.', 'longestStreak', 30),
  milestone('streak_100', '100-day streak', 'Focus 100 days in a row.', 'longestStreak', 100),
  milestone('hours_1', 'First focused hour', 'Focus for 1 hour in all.', 'focusedMinutes', 60),
  milestone('hours_10', '10 focused hours', 'Focus for 10 hours in all.', 'focusedMinutes', 600),
  milestone('hours_100', '100 focused hours', 'Focus for 100 hours in all.', 'focusedMinutes', 6000),
  milestone(
    'first_session',
    'First coworking session',
    'Be credited time in a coworking session.',
    'sessionsAttended',
    1,
  ),
  milestone('hosted_10', '10 sessions hosted', 'Host 10 coworking sessions that ran.', 'sessionsHosted', 10),
];

const byId = new Map(BADGES.map((badge) => [badge.id, badge]));

export const badgeName = (id: string) => byId.get(id)?.name ?? id;

export const earnedBadges = (progress: Progress) => BADGES.filter((badge) => badge.earned(progress));
