import { describe, expect, it } from 'vitest';
import { PageQuerySchema, toPage } from './pagination';

describe('pagination', () => {
  it('should default to 50 items and coerce the limit from the query string', () => {
    expect(PageQuerySchema.parse({})).toEqual({ limit: 50 });
    expect(PageQuerySchema.parse({ limit: '7', cursor: '01abc' })).toEqual({ limit: 7, cursor: '01abc' });
  });

  it.each([{ limit: '0' }, { limit: '101' }, { limit: '2.5' }, { cursor: '' }, { cursor: 'x'.repeat(65) }])(
    'should refuse %j',
    (query) => {
      expect(PageQuerySchema.safeParse(query).success).toBe(false);
    },
  );

  it('should name the last item as the cursor only when the extra row shows another page follows', () => {
    const ids = ['e', 'd', 'c'];
    expect(toPage(ids, { limit: 2 }, (id) => id)).toEqual({ items: ['e', 'd'], nextCursor: 'd' });
    expect(toPage(ids.slice(0, 2), { limit: 2 }, (id) => id)).toEqual({ items: ['e', 'd'], nextCursor: null });
    expect(toPage([], { limit: 2 }, (id: string) => id)).toEqual({ items: [], nextCursor: null });
  });
});
