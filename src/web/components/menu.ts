import { useLayoutEffect, useRef, useState } from 'hono/jsx/dom';

/**
 * A small "⋯" menu's behaviour, shared by every menu of the app: the first
 * item takes the focus when it opens, arrow keys, Home and End move between
 * `[role="menuitem"]` items, Escape closes it and gives the focus back to the
 * button, and so do Tab and a tap outside (without moving the focus back).
 */
export function useMenu({ scrollIntoView = false }: { scrollIntoView?: boolean } = {}) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const items = () => [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];

  // A layout effect: listening from the moment it opens, not from the next frame, so an early tap is not missed.
  useLayoutEffect(() => {
    if (!open) return;
    // In a scrolling list, a menu opened on the last row would otherwise hang below what is shown.
    if (scrollIntoView) menu.current?.scrollIntoView({ block: 'nearest' });
    items()[0]?.focus();
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const all = items();
    const at = all.indexOf(document.activeElement as HTMLElement);
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      all[(at + step + all.length) % all.length]?.focus();
    } else if (event.key === 'Home' || event.key === 'End') {
      event.preventDefault();
      (event.key === 'Home' ? all[0] : all.at(-1))?.focus();
    } else if (event.key === 'Tab') {
      setOpen(false);
    }
  };
  return { open, setOpen, button, menu, close, onKeyDown };
}
