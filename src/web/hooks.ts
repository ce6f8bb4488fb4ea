import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'hono/jsx/dom';

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

/**
 * `useEffect` for effects that must not run twice: opening a socket, fetching
 * what a screen shows. hono/jsx/dom queues a component's pending effect for the
 * next animation frame once per DOM update that passes over it, so when two
 * updates reach it before that frame (an ancestor re-rendered twice, say) the
 * same effect runs twice, and only the second run's cleanup is kept: a second
 * socket nobody closes. It also runs an effect whose component was removed
 * before that frame came, and nothing cleans that up. Here a second run of the
 * same effect is a no-op that hands back the first run's cleanup, and an effect
 * of a component already gone does not start. A change of `deps` runs it again.
 */
export function useSingleEffect(effect: () => undefined | (() => void), deps: readonly unknown[]): void {
  const mounted = useRef(false);
  // Layout effects run (and are cleaned up) synchronously with the DOM update, so this is never stale.
  useLayoutEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  // A fresh closure per render; hono/jsx/dom keeps (and may call twice) only the one of a render whose deps changed.
  let started = false;
  let cleanup: undefined | (() => void);
  useEffect(() => {
    if (!started && mounted.current) {
      started = true;
      cleanup = effect();
    }
    return cleanup;
  }, deps);
}
