import { useCallback, useLayoutEffect, useRef, useState } from 'hono/jsx/dom';

type SetState<T> = (next: T | ((current: T) => T)) => void;

/**
 * `useState` whose setter does nothing once the component has left the screen.
 * hono/jsx/dom skips only the first update of an unmounted component and
 * renders the next one back into the page, so an answer that arrives after the
 * user navigated away (a list, a form's result) would resurrect the old screen
 * beside the new one. Use this for any state set after an `await`.
 */
export function useLiveState<T>(initial: T | (() => T)): [T, SetState<T>] {
  const [value, setValue] = useState<T>(initial);
  const mounted = useRef(true);
  // A layout effect runs (and registers its cleanup) as the component is inserted,
  // so even a component removed within the same frame is known to be gone.
  useLayoutEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const set = useCallback<SetState<T>>((next) => {
    if (mounted.current) setValue(next);
  }, []);
  return [value, set];
}
