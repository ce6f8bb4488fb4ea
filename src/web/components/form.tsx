import type { Child, JSX } from 'hono/jsx';
import { useEffect, useId, useRef } from 'hono/jsx/dom';
import { type ApiError, asApiError } from '../api';
import { useLiveState } from '../hooks';

/** Messages by field name (`email`), from the problem's `errors[]` (`body.email`). */
export type FieldErrors = Record<string, string>;

/** What a person should read for a failure; a 429 says how long to wait. */
export function errorMessage(error: ApiError): string {
  if (error.code === 'rate_limited') {
    return error.retryAfter
      ? `Too many attempts. Try again in ${error.retryAfter} s.`
      : 'Too many attempts. Try again in a little while.';
  }
  return error.message;
}

function fieldErrorsOf(error: ApiError, codeFields: Partial<Record<string, string>>): FieldErrors {
  const fields: FieldErrors = {};
  for (const { path, message } of error.errors) {
    // `body.email` → `email`; `body.settings.theme` → `settings.theme`.
    const name = path.split('.').slice(1).join('.') || path;
    fields[name] ??= message;
  }
  // Problems without `errors[]` that still belong to one field, e.g. email_taken → email.
  const field = codeFields[error.code];
  if (field && !fields[field]) fields[field] = errorMessage(error);
  return fields;
}

export interface FormOptions {
  /** Shows the problem with this code next to the named field instead of above the form. */
  codeFields?: Partial<Record<string, string>>;
}

/**
 * What every form shares: one submission at a time, problem+json field errors
 * mapped onto inputs, a form-level error otherwise, and focus moved to the
 * first problem so keyboard and screen-reader users land on it.
 */
export function useForm(submit: (data: FormData, form: HTMLFormElement) => Promise<void>, options: FormOptions = {}) {
  const [busy, setBusy] = useLiveState(false);
  const [problem, setProblem] = useLiveState<ApiError | null>(null);
  const [fields, setFields] = useLiveState<FieldErrors>({});
  const [attempt, setAttempt] = useLiveState(0);
  const ref = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (attempt === 0) return;
    const target = ref.current?.querySelector<HTMLElement>('[aria-invalid="true"], [data-form-error]');
    target?.focus();
  }, [attempt]);

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    const form = event.currentTarget as HTMLFormElement;
    setBusy(true);
    setProblem(null);
    setFields({});
    try {
      await submit(new FormData(form), form);
    } catch (thrown) {
      const apiError = asApiError(thrown);
      const mapped = fieldErrorsOf(apiError, options.codeFields ?? {});
      setFields(mapped);
      setProblem(apiError);
      setAttempt((n) => n + 1);
    } finally {
      setBusy(false);
    }
  };

  // A problem shown next to its fields is not repeated above the form.
  const error = problem && Object.keys(fields).length === 0 ? problem : null;
  return { ref, onSubmit, busy, problem, error, fields };
}

/**
 * A button's action (revoke, resend, deactivate): busy while it runs, its
 * failure kept for display. Returns whether the action succeeded.
 */
export function useAction() {
  const [busy, setBusy] = useLiveState(false);
  const [error, setError] = useLiveState<ApiError | null>(null);
  const run = async (action: () => Promise<void>): Promise<boolean> => {
    if (busy) return false;
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (thrown) {
      setError(asApiError(thrown));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

/** A form field's text value, trimmed. */
export const textOf = (data: FormData, name: string) => String(data.get(name) ?? '').trim();

type InputProps = JSX.IntrinsicElements['input'];

interface FieldProps extends InputProps {
  label: string;
  name: string;
  error?: string;
  hint?: Child;
  /** Renders a `<select>` with these children as its options; mark the chosen one `selected`. */
  select?: boolean;
  children?: Child;
}

/** A labelled input (or select) with its hint and error wired up for assistive technology. */
export function Field({ label, name, error, hint, select, children, ...control }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  const shared = {
    id,
    name,
    class: 'input',
    'aria-invalid': error ? 'true' : undefined,
    'aria-describedby': describedBy,
    'data-testid': `field-${name}`,
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {select ? (
        <select {...shared} {...control}>
          {children}
        </select>
      ) : (
        <input {...shared} {...control} />
      )}
      {hint && (
        <p id={hintId} class="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} class="field-error" data-testid={`error-${name}`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** A phone number from the form in E.164: people type spaces, dashes and brackets. */
export const phoneOf = (data: FormData, name = 'phone') => textOf(data, name).replace(/[\s().-]/g, '');

/** A phone number field, asking for the international format the API takes. */
export function PhoneField({ error }: { error?: string }) {
  return (
    <Field
      label="Phone number"
      name="phone"
      type="tel"
      autocomplete="tel"
      inputmode="tel"
      required
      placeholder="+14155550123"
      hint="In international format, starting with + and the country code."
      error={error}
    />
  );
}

/**
 * A password being chosen: `new-password` so managers offer to generate and
 * save one, and the length rule said before it is broken.
 */
export function NewPasswordField({
  label = 'New password',
  name = 'password',
  hint = 'At least 8 characters. A few unrelated words make a strong one.',
  error,
}: {
  label?: string;
  name?: string;
  hint?: string;
  error?: string;
}) {
  return (
    <Field
      label={label}
      name={name}
      type="password"
      autocomplete="new-password"
      required
      minlength={8}
      hint={hint}
      error={error}
    />
  );
}

/**
 * A texted 6-digit code: the numeric keyboard on phones, and `one-time-code`
 * so the system offers the code from the message. Render it under its own
 * `key`, apart from the phone field, or the renderer reuses that input (and
 * the number typed in it) for the code.
 */
export function CodeField({ error }: { error?: string }) {
  return (
    <Field
      label="Code"
      name="code"
      type="text"
      autocomplete="one-time-code"
      inputmode="numeric"
      pattern="[0-9]{6}"
      maxlength={6}
      required
      error={error}
    />
  );
}

/** The form-level problem; focusable so `useForm` can move focus to it. */
export function FormError({ error }: { error: ApiError | null }) {
  if (!error) return null;
  return (
    <p class="notice notice-fail" role="alert" tabindex={-1} data-form-error data-testid="form-error">
      {errorMessage(error)}
    </p>
  );
}

interface SubmitButtonProps {
  busy: boolean;
  children: Child;
  class?: string;
  testid?: string;
}

/** Disabled while the form is submitting, so a double click sends one request. */
export function SubmitButton({ busy, children, class: className = 'button', testid = 'submit' }: SubmitButtonProps) {
  return (
    <button type="submit" class={className} disabled={busy} aria-busy={String(busy)} data-testid={testid}>
      {busy ? 'Working…' : children}
    </button>
  );
}

/** A success or information message announced politely. */
export function Notice({ children, tone = 'ok', testid }: { children: Child; tone?: 'ok' | 'info'; testid?: string }) {
  return (
    <p class={`notice notice-${tone}`} role="status" data-testid={testid}>
      {children}
    </p>
  );
}
