import type { Child } from 'hono/jsx';

/**
 * A wide table that scrolls sideways inside its card instead of widening the
 * page. Focusable and labelled (a named region), so keyboard users can scroll
 * it with the arrow keys and screen readers say what it holds.
 *
 * @example
 * <TableScroll label="Audit log entries"><table class="table">…</table></TableScroll>
 */
export function TableScroll({ label, children }: { label: string; children?: Child }) {
  return (
    <section class="table-wrap table-scroll" aria-label={label} tabindex={0} data-testid="table-scroll">
      {children}
    </section>
  );
}
