import { Field, FormError, SubmitButton, textOf, useForm } from '../components/form';
import { coworkingApi, type SessionCreate } from '../coworking/api';
import { locate, zonedToInstant } from '../coworking/geo';
import { displayTimeZone } from '../format';
import { useLiveState } from '../hooks';
import { Link, navigate } from '../router';

/** `/sessions/new`: open a session and become its host. */
export function SessionNewPage() {
  const [locationProblem, setLocationProblem] = useLiveState<string | null>(null);
  const zone = displayTimeZone();
  const form = useForm(async (data) => {
    setLocationProblem(null);
    const body: SessionCreate = {
      title: textOf(data, 'title'),
      durationMinutes: Number(textOf(data, 'durationMinutes')),
      visibility: textOf(data, 'visibility') === 'private' ? 'private' : 'public',
    };
    const startsAt = textOf(data, 'startsAt');
    if (startsAt) body.startsAt = zonedToInstant(startsAt, zone).toISOString();
    const capacity = textOf(data, 'capacity');
    if (capacity) body.capacity = Number(capacity);
    const plan = textOf(data, 'plan');
    if (plan) body.plan = plan;
    if (data.get('useLocation')) {
      try {
        const coords = await locate();
        body.location = { lat: coords.latitude, lng: coords.longitude };
      } catch (error) {
        setLocationProblem(error instanceof Error ? error.message : String(error));
        return;
      }
    }
    const session = await coworkingApi.create(body);
    navigate(`/sessions/${encodeURIComponent(session.id)}`);
  });

  return (
    <div class="page session-new" data-testid="session-new">
      <header class="page-header">
        <Link href="/sessions" class="chat-back">
          ← All sessions
        </Link>
        <h1>New coworking session</h1>
      </header>
      <section class="card">
        <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate>
          <FormError error={form.error} />
          <Field label="Title" name="title" required maxlength={120} autocomplete="off" error={form.fields.title} />
          <Field
            label="Minutes"
            name="durationMinutes"
            type="number"
            inputmode="numeric"
            min={5}
            max={480}
            value="25"
            required
            hint="From 5 minutes to 8 hours (480)."
            error={form.fields.durationMinutes}
          />
          <fieldset class="choice" data-testid="field-visibility">
            <legend>Who can find it</legend>
            <label>
              <input type="radio" name="visibility" value="public" checked />
              <span>Public</span>
              <span class="choice-hint">Listed to people nearby when it has a location.</span>
            </label>
            <label>
              <input type="radio" name="visibility" value="private" />
              <span>Private</span>
              <span class="choice-hint">Only people with the share code can join.</span>
            </label>
          </fieldset>
          <Field
            label="Starts at (optional)"
            name="startsAt"
            type="datetime-local"
            hint={`In your time zone, ${zone}. Leave empty to start it yourself; a scheduled session starts on its own.`}
            error={form.fields.startsAt}
          />
          <Field
            label="Seats (optional)"
            name="capacity"
            type="number"
            inputmode="numeric"
            min={1}
            max={50}
            hint="People besides you; at most 50, the default."
            error={form.fields.capacity}
          />
          <Field label="Plan (optional)" name="plan" maxlength={2000} autocomplete="off" error={form.fields.plan} />
          <label class="checkbox">
            <input type="checkbox" name="useLocation" value="1" data-testid="field-useLocation" />
            <span>Use my location, so people here can join in person and find it nearby</span>
          </label>
          {locationProblem && (
            <p class="notice notice-fail" role="alert" data-testid="location-problem">
              {locationProblem}
            </p>
          )}
          <SubmitButton busy={form.busy} testid="create-session-submit">
            Create session
          </SubmitButton>
        </form>
      </section>
    </div>
  );
}
