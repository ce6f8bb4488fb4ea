import { asApiError } from '../api';
import { errorMessage, Field, FormError, Notice, SubmitButton, useForm } from '../components/form';
import { useLiveState, useSingleEffect } from '../hooks';
import { type AiSettings, assistantAdminApi } from './api';

/** For admins with `ai.manage`: today's assistant use and the daily token budget per person, editable. */
export function AiSettingsCard() {
  const [settings, setSettings] = useLiveState<AiSettings | null>(null);
  const [loadError, setLoadError] = useLiveState<string | null>(null);
  const [saved, setSaved] = useLiveState(false);
  useSingleEffect(() => {
    assistantAdminApi.settings().then(setSettings, (thrown: unknown) => setLoadError(errorMessage(asApiError(thrown))));
    return undefined;
  }, []);
  const form = useForm(async (data) => {
    setSaved(false);
    setSettings(await assistantAdminApi.setBudget(Number(data.get('dailyTokenBudget'))));
    setSaved(true);
  });
  return (
    <section class="card" aria-labelledby="ai-settings" data-testid="ai-settings">
      <h2 id="ai-settings">Assistant limits</h2>
      {loadError && <p class="notice notice-fail">{loadError}</p>}
      {settings && (
        <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate>
          <p class="muted">
            Today: {settings.requestsToday} answers, {settings.tokensToday} tokens. Each person may send{' '}
            {settings.requestsPerMinute} requests a minute (AI_REQUESTS_PER_MINUTE).
          </p>
          <FormError error={form.error} />
          <Field
            label="Tokens per person per day (UTC)"
            name="dailyTokenBudget"
            type="number"
            min="1"
            value={String(settings.dailyTokenBudget)}
            required
            error={form.fields.dailyTokenBudget}
          />
          <div class="form-row">
            <SubmitButton busy={form.busy} testid="ai-settings-save">
              Save
            </SubmitButton>
            {saved && <Notice testid="ai-settings-saved">Saved.</Notice>}
          </div>
        </form>
      )}
    </section>
  );
}
