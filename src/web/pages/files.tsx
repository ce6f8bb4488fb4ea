import { useEffect, useRef } from 'hono/jsx/dom';
import { useConfirm } from '../components/confirm';
import { FileRow } from '../components/file-row';
import { FileUploads } from '../components/file-uploads';
import { ListFooter, usePagedList } from '../components/paged-list';
import { ShareDialog } from '../components/share-dialog';
import { type FileQuery, filesApi } from '../files/api';
import { onUploaded } from '../files/upload-queue';
import { useLiveState } from '../hooks';
import type { FileSort, SortOrder, StoredFile } from '../types';

/** Typing pauses this long before the list asks the server. */
const SEARCH_DELAY_MS = 300;

const SORTS: { value: `${FileSort}:${SortOrder}`; label: string }[] = [
  { value: 'createdAt:desc', label: 'Newest first' },
  { value: 'createdAt:asc', label: 'Oldest first' },
  { value: 'name:asc', label: 'Name, A to Z' },
  { value: 'name:desc', label: 'Name, Z to A' },
  { value: 'size:desc', label: 'Largest first' },
  { value: 'size:asc', label: 'Smallest first' },
];

type Query = Omit<FileQuery, 'cursor'>;

const ariaSort = (query: Query, column: FileSort) =>
  query.sort === column ? (query.order === 'asc' ? 'ascending' : 'descending') : undefined;

export function FilesPage() {
  const confirm = useConfirm();
  const [query, setQuery] = useLiveState<Query>({ sort: 'createdAt', order: 'desc' });
  const list = usePagedList((cursor) => filesApi.list({ ...query, cursor }), [query.q, query.sort, query.order]);
  const [sharing, setSharing] = useLiveState<StoredFile | null>(null);
  const searchTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  // A finished upload joins the list: on top when the list shows the newest first, else by reloading.
  useEffect(
    () =>
      onUploaded((file) => {
        if (query.sort === 'createdAt' && query.order === 'desc' && !query.q) {
          list.update((items) => [file, ...items.filter((item) => item.id !== file.id)]);
        } else void list.reload();
      }),
    [query.q, query.sort, query.order],
  );

  useEffect(() => () => clearTimeout(searchTimer.current), []);

  const onSearch = (event: Event) => {
    const q = (event.currentTarget as HTMLInputElement).value.trim();
    clearTimeout(searchTimer.current);
    searchTimer.current = setTimeout(() => setQuery((current) => ({ ...current, q: q || undefined })), SEARCH_DELAY_MS);
  };
  const onSort = (event: Event) => {
    const [sort, order] = (event.currentTarget as HTMLSelectElement).value.split(':') as [FileSort, SortOrder];
    setQuery((current) => ({ ...current, sort, order }));
  };

  const replace = (file: StoredFile) =>
    list.update((items) => items.map((item) => (item.id === file.id ? file : item)));
  const remove = (id: string) => list.update((items) => items.filter((item) => item.id !== id));

  const empty = !list.loading && !list.error && list.items.length === 0;
  return (
    <div class="page" data-testid="files-page">
      <header class="page-header">
        <h1>Files</h1>
      </header>
      <div class="stack">
        <FileUploads />
        <section class="card" aria-labelledby="files-heading">
          <div class="card-header">
            <h2 id="files-heading">Your files</h2>
          </div>
          <search>
            <form class="filters file-filters" onSubmit={(event: Event) => event.preventDefault()}>
              <label class="filter filter-grow">
                <span>Search</span>
                <input
                  class="input"
                  type="search"
                  name="q"
                  placeholder="File name"
                  autocomplete="off"
                  maxlength={255}
                  onInput={onSearch}
                  data-testid="file-search"
                />
              </label>
              <label class="filter">
                <span>Sort</span>
                <select class="input" name="sort" onChange={onSort} data-testid="file-sort">
                  {SORTS.map((option) => (
                    <option value={option.value} selected={option.value === `${query.sort}:${query.order}`}>
                      {option.label}
                    </option>
                  ))}
                </select>
              </label>
            </form>
          </search>

          {list.items.length > 0 && (
            <div class="table-wrap">
              <table class="table file-table" aria-busy={String(list.loading)} data-testid="file-table">
                <caption class="visually-hidden">
                  Your files, {SORTS.find((s) => s.value === `${query.sort}:${query.order}`)?.label.toLowerCase()}
                </caption>
                <thead>
                  <tr>
                    <th scope="col" aria-sort={ariaSort(query, 'name')}>
                      Name
                    </th>
                    <th scope="col" class="num" aria-sort={ariaSort(query, 'size')}>
                      Size
                    </th>
                    <th scope="col">Type</th>
                    <th scope="col" aria-sort={ariaSort(query, 'createdAt')}>
                      Uploaded
                    </th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody data-testid="file-list">
                  {list.items.map((file) => (
                    <FileRow
                      key={file.id}
                      file={file}
                      onChanged={replace}
                      onRemoved={remove}
                      onShare={setSharing}
                      ask={confirm.ask}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {empty && (
            <p class="muted empty" data-testid="no-files">
              {query.q
                ? `No file names contain “${query.q}”.`
                : 'No files yet. Drop one above, or choose files to upload.'}
            </p>
          )}
          <ListFooter list={list} onMore={list.loadMore} onRetry={list.retry} />
        </section>
      </div>
      {sharing && <ShareDialog key={sharing.id} file={sharing} onClose={() => setSharing(null)} />}
      {confirm.dialog}
    </div>
  );
}
