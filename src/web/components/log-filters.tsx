// What the admin log screens (access logs, audit log) share: filters that live
// in the address, so a filtered view can be linked to and survives a reload.

/** `path?name=value…` for the filters that have a value, in the order `names` gives. */
export function filterAddress<N extends string>(
  path: string,
  names: readonly N[],
  filters: Partial<Record<N, string | undefined>>,
): string {
  const search = new URLSearchParams();
  for (const name of names) {
    const value = filters[name];
    if (value) search.set(name, value);
  }
  const text = search.toString();
  return `${path}${text ? `?${text}` : ''}`;
}

/** The filters named in `names`, read from the address. */
export function filtersFrom<N extends string>(
  params: URLSearchParams,
  names: readonly N[],
): Partial<Record<N, string>> {
  const filters: Partial<Record<N, string>> = {};
  for (const name of names) {
    const value = params.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

/** `2025-01-31T09:30` (a datetime-local value, in the browser's zone) for an ISO instant. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** A datetime-local value back to an ISO instant; empty stays undefined. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** A "from" or "before" filter: a local date and time, kept in the address as an ISO instant. */
export function TimeFilter(props: { label: string; name: string; value: string | undefined; testid: string }) {
  return (
    <label class="filter">
      <span>{props.label}</span>
      <input
        class="input"
        type="datetime-local"
        name={props.name}
        value={toLocalInput(props.value)}
        data-testid={props.testid}
      />
    </label>
  );
}

/** The filter form's buttons: apply, and clear once something filters the list. */
export function FilterActions(props: { filtered: boolean; onClear: () => void }) {
  return (
    <>
      <button type="submit" class="button" data-testid="apply-filters">
        Filter
      </button>
      {props.filtered && (
        <button type="button" class="button button-quiet" onClick={props.onClear} data-testid="clear-filters">
          Clear
        </button>
      )}
    </>
  );
}

/** Where a request came from: its address, with the user agent under it. */
export function ClientCell(props: { ip: string | null; userAgent: string | null }) {
  return (
    <td data-label="Client" class="log-client">
      {props.ip ?? 'Unknown address'}
      {props.userAgent && (
        <span class="muted cell-sub" title={props.userAgent}>
          {props.userAgent}
        </span>
      )}
    </td>
  );
}

/** `01m80rfe…4xymjs9`: ids start with their time, so both ends are kept. */
export const shortId = (id: string) => (id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-6)}` : id);

/** A name or email that narrows the list to itself when clicked. */
export function PickFilter(props: { text: string; label: string; onPick: () => void; testid: string }) {
  return (
    <button
      type="button"
      class="link-button"
      title={`${props.label} ${props.text}`}
      onClick={props.onPick}
      data-testid={props.testid}
    >
      {props.text}
    </button>
  );
}
