import type { Env } from '../../env';

/** The assistant's configuration, from `AI_*` variables (README: Configuration). */
export interface AiConfig {
  /** OpenAI-compatible base URL (`AI_API_URL`, e.g. `http://localhost:11434/v1`), without a trailing slash. */
  apiUrl: string;
  /** Secret `AI_API_KEY`; empty for local servers that need none. */
  apiKey: string;
  /** `AI_MODELS`: the allowlist; the first is the default. */
  models: string[];
  /** `AI_REQUESTS_PER_MINUTE` per user (default 20). */
  requestsPerMinute: number;
  /** `AI_DAILY_TOKENS` per user and UTC day (default 100 000); admins can override it at run time. */
  dailyTokens: number;
}

/** The model Workers AI answers with when `AI_MODELS` names none. */
export const DEFAULT_WORKERS_AI_MODEL = '@cf/meta/llama-3.1-8b-instruct';

function positiveInt(value: string | undefined, fallback: number): number {
  const parsed = Number.parseInt(value ?? '', 10);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
}

/** Parsed with the rest of the configuration (`readConfig`), so once per isolate and set of values. */
export function readAiConfig(env: Env): AiConfig {
  return {
    apiUrl: (env.AI_API_URL ?? '').trim().replace(/\/+$/, ''),
    apiKey: (env.AI_API_KEY ?? '').trim(),
    models: [
      ...new Set(
        (env.AI_MODELS ?? '')
          .split(',')
          .map((model) => model.trim())
          .filter(Boolean),
      ),
    ],
    requestsPerMinute: positiveInt(env.AI_REQUESTS_PER_MINUTE, 20),
    dailyTokens: positiveInt(env.AI_DAILY_TOKENS, 100_000),
  };
}
