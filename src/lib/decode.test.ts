import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { decodeCursor, decodePathSegment, decodePercent, encodeCursor, jsonDepth, MAX_JSON_DEPTH } from './decode';
import { AppError } from './errors';

function thrown(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('decodePercent', () => {
  it('should decode well-formed escapes, UTF-8 included', () => {
    expect(decodePercent('na%C3%AFve%20%F0%9F%98%80.txt', 'The name')).toBe('naïve 😀.txt');
  });

  it.each(['%E0%A4%A', '%zz', '%', '%ED%A0%80', 'ok%C3'])('should refuse %j with 400 bad_request', (text) => {
    const error = thrown(() => decodePercent(text, 'The file name'));
    expect({ code: error.code, status: error.status }).toEqual({ code: 'bad_request', status: 400 });
    expect(error.message).toBe('The file name has broken percent-encoding.');
  });

  it('should name the path when a path segment cannot be decoded', () => {
    expect(decodePathSegment('room%201')).toBe('room 1');
    expect(thrown(() => decodePathSegment('%E0%A4%A')).message).toBe('The path has broken percent-encoding.');
  });
});

describe('jsonDepth', () => {
  it('should count scalars as 0 and each object or list as one level', () => {
    expect([jsonDepth('x'), jsonDepth(null), jsonDepth({}), jsonDepth({ a: [1, { b: 2 }] })]).toEqual([0, 0, 1, 3]);
  });

  it('should measure 100,000 levels without overflowing the stack, stopping past the limit', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(jsonDepth(deep)).toBe(MAX_JSON_DEPTH + 1);
    expect(jsonDepth(deep, 200_000)).toBe(100_000);
  });
});

describe('cursors', () => {
  const shape = z.tuple([z.number().int(), z.string()]);

  it('should give back what was encoded, names outside Latin-1 included', () => {
    expect(decodeCursor(encodeCursor([42, 'id1']), shape)).toEqual([42, 'id1']);
    expect(decodeCursor(encodeCursor(['日本語 😀', 'id1']), z.tuple([z.string(), z.string()]))).toEqual([
      '日本語 😀',
      'id1',
    ]);
  });

  it.each([
    ['not base64url', '!!!!'],
    ['not UTF-8', 'gICA'],
    ['not JSON', btoa('nope')],
    ['JSON of another shape', btoa('{"a":1}')],
    ['an object where a number belongs', btoa('[{"a":1},"x"]')],
  ])('should refuse a cursor that is %s with 400 on query.cursor', (_, cursor) => {
    const error = thrown(() => decodeCursor(cursor, shape));
    expect({ code: error.code, paths: error.errors?.map((e) => e.path) }).toEqual({
      code: 'validation_failed',
      paths: ['query.cursor'],
    });
  });
});
