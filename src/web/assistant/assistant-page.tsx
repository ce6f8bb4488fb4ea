import { useRef } from 'hono/jsx/dom';
import { type ApiError, asApiError } from '../api';
import { useConfirm } from '../components/confirm';
import { formatTime } from '../format';
import { useLiveState, useSingleEffect } from '../hooks';
import { navigate, useSearchParams } from '../router';
import { type AiModels, assistantApi, type Conversation, streamAnswer } from './api';
import { Markdown } from './markdown';

/** One turn as the screen shows it; `streaming` while the answer is still coming. */
interface Turn {
  key: string;
  role: 'user' | 'assistant';
  content: string;
  partial: boolean;
  error: string | null;
  streaming?: boolean;
}

/** A refusal in words: the server's detail, with the wait a 429 names. */
function refusalText(error: ApiError): string {
  if (error.code === 'rate_limited' && error.retryAfter) {
    const wait = error.retryAfter >= 3600 ? `${Math.ceil(error.retryAfter / 3600)} h` : `${error.retryAfter} s`;
    return `${error.message} (Retry in ${wait}.)`;
  }
  return error.message;
}

let turnKeys = 0;
const nextKey = () => `turn-${++turnKeys}`;

function TurnView({ turn }: { turn: Turn }) {
  const state = turn.streaming ? 'streaming' : turn.partial ? 'partial' : 'done';
  return (
    <li
      class={`assistant-turn assistant-turn-${turn.role}`}
      data-testid="assistant-turn"
      data-role={turn.role}
      data-state={state}
    >
      <span class="visually-hidden">{turn.role === 'user' ? 'You said:' : 'The assistant said:'}</span>
      {turn.role === 'user' ? <p class="assistant-question">{turn.content}</p> : <Markdown text={turn.content} />}
      {turn.streaming && !turn.content && <p class="muted">Thinking…</p>}
      {!turn.streaming && turn.partial && (
        <p
          class={`assistant-partial${turn.error && turn.error !== 'stopped' ? ' notice notice-fail' : ' muted'}`}
          data-testid="assistant-partial"
        >
          {turn.error && turn.error !== 'stopped' ? `Cut short: ${turn.error}` : 'Stopped: this answer is partial.'}
        </p>
      )}
    </li>
  );
}

/**
 * The assistant: your conversations, the one open, and a box to ask in. The answer appears as
 * it streams, rendered as Markdown (no HTML from the model runs); Stop cuts it short and keeps
 * what came as a partial answer. With no provider configured the page says how to set one up.
 */
export function AssistantPage() {
  const params = useSearchParams();
  const activeId = params.get('c');
  const [models, setModels] = useLiveState<AiModels | null>(null);
  const [conversations, setConversations] = useLiveState<Conversation[]>([]);
  const [nextCursor, setNextCursor] = useLiveState<string | null>(null);
  const [turns, setTurns] = useLiveState<Turn[]>([]);
  const [model, setModel] = useLiveState<string>('');
  const [error, setError] = useLiveState<string | null>(null);
  const [loadError, setLoadError] = useLiveState<string | null>(null);
  const [streaming, setStreaming] = useLiveState<AbortController | null>(null);
  const [renaming, setRenaming] = useLiveState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  const confirm = useConfirm();

  const loadList = async (cursor?: string) => {
    const page = await assistantApi.list(cursor);
    setConversations((current) => (cursor ? [...current, ...page.items] : page.items));
    setNextCursor(page.nextCursor);
  };

  useSingleEffect(() => {
    Promise.all([assistantApi.models(), loadList()]).then(
      ([available]) => {
        setModels(available);
        setModel((current) => current || available.defaultModel || '');
      },
      (thrown: unknown) => setLoadError(refusalText(asApiError(thrown))),
    );
    return undefined;
  }, []);

  // The open conversation, read again whenever the address names another (and after a reload).
  useSingleEffect(() => {
    setError(null);
    setRenaming(false);
    if (!activeId) {
      setTurns([]);
      return undefined;
    }
    if (streaming) return undefined;
    assistantApi.get(activeId).then(
      (detail) => {
        setTurns(detail.messages.map((m) => ({ ...m, key: m.id })));
        if (models?.models.includes(detail.model)) setModel(detail.model);
      },
      (thrown: unknown) => {
        setTurns([]);
        setError(refusalText(asApiError(thrown)));
      },
    );
    return undefined;
  }, [activeId]);

  const active = conversations.find((c) => c.id === activeId) ?? null;

  const updateLast = (change: (turn: Turn) => Turn) =>
    setTurns((current) => current.map((turn, index) => (index === current.length - 1 ? change(turn) : turn)));

  const ask = async (event: Event) => {
    event.preventDefault();
    const message = input.current?.value.trim() ?? '';
    if (!message || streaming) return;
    setError(null);
    const controller = new AbortController();
    setStreaming(controller);
    setTurns((current) => [
      ...current,
      { key: nextKey(), role: 'user', content: message, partial: false, error: null },
      { key: nextKey(), role: 'assistant', content: '', partial: false, error: null, streaming: true },
    ]);
    if (input.current) input.current.value = '';
    let conversationId = activeId ?? undefined;
    let finished = false;
    try {
      await streamAnswer({ conversationId, message, model: model || undefined }, controller.signal, (answer) => {
        if (answer.type === 'start') {
          conversationId = answer.conversationId;
          if (conversationId !== activeId)
            navigate(`/assistant?c=${encodeURIComponent(conversationId)}`, { replace: !activeId });
        } else if (answer.type === 'delta') updateLast((turn) => ({ ...turn, content: turn.content + answer.text }));
        else if (answer.type === 'error') updateLast((turn) => ({ ...turn, error: answer.message }));
        else {
          finished = true;
          updateLast((turn) => ({ ...turn, streaming: false, partial: answer.partial }));
        }
      });
      if (!finished)
        updateLast((turn) => ({ ...turn, streaming: false, partial: true, error: turn.error ?? 'stopped' }));
    } catch (thrown) {
      // Refused before any answer (limits, validation, no provider): the question was not kept.
      setTurns((current) => current.slice(0, -2));
      if (input.current) input.current.value = message;
      setError(refusalText(asApiError(thrown)));
    } finally {
      setStreaming(null);
      await loadList().catch(() => undefined);
    }
  };

  const stop = () => streaming?.abort();

  const startNew = () => {
    streaming?.abort();
    navigate('/assistant');
    input.current?.focus();
  };

  const rename = async (event: Event) => {
    event.preventDefault();
    if (!activeId) return;
    const title = String(new FormData(event.target as HTMLFormElement).get('title') ?? '').trim();
    if (!title) return;
    try {
      const renamed = await assistantApi.rename(activeId, title);
      setConversations((current) => current.map((c) => (c.id === renamed.id ? renamed : c)));
      setRenaming(false);
    } catch (thrown) {
      setError(refusalText(asApiError(thrown)));
    }
  };

  const remove = async () => {
    if (!activeId || !(await confirm.ask('Delete this conversation? This cannot be undone.', 'Delete'))) return;
    try {
      await assistantApi.remove(activeId);
      setConversations((current) => current.filter((c) => c.id !== activeId));
      navigate('/assistant', { replace: true });
    } catch (thrown) {
      setError(refusalText(asApiError(thrown)));
    }
  };

  const unavailable = models && !models.available;

  return (
    <div class="page assistant" data-testid="assistant">
      <header class="page-header">
        <h1>Assistant</h1>
        <button
          type="button"
          class="button button-secondary button-small"
          onClick={startNew}
          data-testid="assistant-new"
        >
          New conversation
        </button>
      </header>

      {loadError && (
        <p class="notice notice-fail" role="alert" data-testid="assistant-load-error">
          {loadError}
        </p>
      )}

      {unavailable && (
        <section class="card notice-info" data-testid="assistant-unavailable">
          <h2>No AI provider is configured</h2>
          <p>{models.detail}</p>
          <p class="muted">
            Any OpenAI-compatible server works, offline too: run Ollama (<code>ollama serve</code>), llama.cpp's{' '}
            <code>llama-server</code> or LM Studio, then set <code>AI_API_URL</code> (e.g.{' '}
            <code>http://localhost:11434/v1</code>) and <code>AI_MODELS</code> (e.g. <code>llama3.2</code>) in{' '}
            <code>.dev.vars</code> and restart <code>npm run dev</code>. On Cloudflare, bind Workers AI as{' '}
            <code>AI</code> in wrangler.toml.
          </p>
        </section>
      )}

      <div class="assistant-layout">
        <details class="card assistant-list" open data-testid="assistant-list">
          <summary>
            Conversations <span class="chat-count">{conversations.length}</span>
          </summary>
          {conversations.length === 0 ? (
            <p class="muted">None yet: ask something to start one.</p>
          ) : (
            <ul>
              {conversations.map((c) => (
                <li>
                  <a
                    href={`/assistant?c=${encodeURIComponent(c.id)}`}
                    aria-current={c.id === activeId ? 'true' : undefined}
                    onClick={(event: MouseEvent) => {
                      event.preventDefault();
                      if (!streaming) navigate(`/assistant?c=${encodeURIComponent(c.id)}`);
                    }}
                    data-testid="assistant-conversation"
                    data-id={c.id}
                  >
                    <span class="assistant-title">{c.title}</span>
                    <span class="muted assistant-when">{formatTime(c.updatedAt)}</span>
                  </a>
                </li>
              ))}
            </ul>
          )}
          {nextCursor && (
            <button
              type="button"
              class="link-button"
              onClick={() => void loadList(nextCursor)}
              data-testid="assistant-more"
            >
              Show older
            </button>
          )}
        </details>

        <section class="card assistant-main" aria-labelledby="assistant-heading">
          <div class="card-header">
            {renaming && active ? (
              <form class="form-row assistant-rename" onSubmit={rename}>
                <label class="visually-hidden" for="assistant-title">
                  Title
                </label>
                <input id="assistant-title" name="title" value={active.title} maxlength={200} required />
                <button type="submit" class="button button-small" data-testid="assistant-rename-save">
                  Save
                </button>
                <button type="button" class="button button-quiet button-small" onClick={() => setRenaming(false)}>
                  Cancel
                </button>
              </form>
            ) : (
              <h2 id="assistant-heading" data-testid="assistant-heading">
                {active?.title ?? (activeId ? 'Conversation' : 'New conversation')}
              </h2>
            )}
            {active && !renaming && (
              <span class="assistant-actions">
                <button
                  type="button"
                  class="button button-quiet button-small"
                  onClick={() => setRenaming(true)}
                  data-testid="assistant-rename"
                >
                  Rename
                </button>
                <button
                  type="button"
                  class="button button-quiet button-quiet-danger button-small"
                  onClick={remove}
                  data-testid="assistant-delete"
                >
                  Delete
                </button>
              </span>
            )}
          </div>

          <ol
            class="assistant-turns"
            aria-live="polite"
            aria-busy={streaming ? 'true' : 'false'}
            data-testid="assistant-turns"
          >
            {turns.map((turn) => (
              <TurnView turn={turn} />
            ))}
          </ol>

          {error && (
            <p class="notice notice-fail" role="alert" data-testid="assistant-error">
              {error}
            </p>
          )}

          <form class="assistant-composer" onSubmit={ask} data-testid="assistant-form">
            <label class="visually-hidden" for="assistant-input">
              Your question
            </label>
            <textarea
              id="assistant-input"
              ref={input}
              rows={3}
              maxlength={32000}
              placeholder={unavailable ? 'Configure a provider to ask the assistant' : 'Ask anything…'}
              disabled={Boolean(unavailable)}
              onKeyDown={(event: KeyboardEvent) => {
                if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
                  event.preventDefault();
                  (event.target as HTMLTextAreaElement).form?.requestSubmit();
                }
              }}
              data-testid="assistant-input"
            />
            <div class="assistant-composer-row">
              <label class="assistant-model">
                <span>Model</span>
                <select
                  value={model}
                  onChange={(event: Event) => setModel((event.target as HTMLSelectElement).value)}
                  disabled={!models?.models.length || Boolean(streaming)}
                  data-testid="assistant-model"
                >
                  {(models?.models ?? []).map((name) => (
                    <option value={name} selected={name === model}>
                      {name}
                    </option>
                  ))}
                </select>
              </label>
              {streaming ? (
                <button type="button" class="button button-secondary" onClick={stop} data-testid="assistant-stop">
                  Stop
                </button>
              ) : (
                <button type="submit" class="button" disabled={Boolean(unavailable)} data-testid="assistant-send">
                  Send
                </button>
              )}
            </div>
          </form>
        </section>
      </div>
      {confirm.dialog}
    </div>
  );
}
