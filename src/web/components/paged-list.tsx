import { useRef } from 'hono/jsx/dom';
import { type ApiError, asApiError } from '../api';
import { useLiveState, useSingleEffect } from '../hooks';
import type { Page } from '../types';
import { errorMessage } from './form';

export interface PagedList<T> {
  items: T[];
  nextCursor: string | null;
  loading: boolean;
  error: ApiError | null;
}

/**
 * A cursor-paged list (SPEC §2): the first page again whenever `deps` change,
 * "Load more" appends the next. Only the latest request may fill the list, so
 * an answer to an older query (typing ahead of the server) is dropped.
 */
export function usePagedList<T>(fetchPage: (cursor?: string) => Promise<Page<T>>, deps: unknown[]) {
  const [list, setList] = useLiveState<PagedList<T>>({ items: [], nextCursor: null, loading: true, error: null });
  const latest = useRef(0);
  // The page last asked for, so "Try again" repeats that request (the first page, or the next).
  const lastCursor = useRef<string | undefined>(undefined);

  const load = async (cursor?: string) => {
    const ticket = ++latest.current;
    lastCursor.current = cursor;
    setList((current) => ({ ...current, loading: true, error: null }));
    try {
      const page = await fetchPage(cursor);
      if (ticket !== latest.current) return;
      setList((current) => ({
        items: cursor ? [...current.items, ...page.items] : page.items,
        nextCursor: page.nextCursor,
        loading: false,
        error: null,
      }));
    } catch (error) {
      if (ticket === latest.current) setList((current) => ({ ...current, loading: false, error: asApiError(error) }));
    }
  };

  useSingleEffect(() => {
    void load();
    return undefined;
  }, deps);

  return {
    ...list,
    reload: () => load(),
    loadMore: () => (list.nextCursor ? load(list.nextCursor) : Promise.resolve()),
    retry: () => load(lastCursor.current),
    /** Changes the loaded items in place (a rename, a delete) without asking the server again. */
    update: (change: (items: T[]) => T[]) => setList((current) => ({ ...current, items: change(current.items) })),
  };
}

/**
 * Under a paged list: "Loading…" while a page is on its way, "Load more" while
 * there are more, and a failed request with the way to try it again.
 */
export function ListFooter(props: { list: PagedList<unknown>; onMore: () => void; onRetry: () => void }) {
  const { list, onMore, onRetry } = props;
  return (
    <div class="list-footer">
      {list.loading && <span class="muted">Loading…</span>}
      {!list.loading && list.error && (
        <p class="notice notice-fail" role="alert" data-testid="list-error">
          {errorMessage(list.error)}{' '}
          <button type="button" class="link-button" onClick={onRetry}>
            Try again
          </button>
        </p>
      )}
      {!list.loading && !list.error && list.nextCursor && (
        <button type="button" class="button button-quiet" onClick={onMore} data-testid="load-more">
          Load more
        </button>
      )}
    </div>
  );
}
