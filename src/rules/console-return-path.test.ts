import { describe, expect, it } from 'vitest';
import { consoleReturnPath } from './console-return-path.ts';

describe('consoleReturnPath', () => {
  it.each([
    ['/console/features/8f1e', '/console/features/8f1e'],
    ['/console', '/console'],
    ['/console?sort=recent&status=planned', '/console?sort=recent&status=planned'],
    ['/console/review#top', '/console/review#top'],
    [undefined, '/console'],
    ['', '/console'],
    ['https://evil.example/console', '/console'],
    ['//evil.example/console', '/console'],
    ['/\\evil.example', '/console'],
    ['/console\\..\\evil', '/console'],
    ['/consolex', '/console'],
    ['/v1/requests', '/console'],
    ['javascript:alert(1)', '/console'],
    ['/console/\nSet-Cookie: x=1', '/console'],
    [`/console/${'a'.repeat(2100)}`, '/console'],
  ])('%s -> %s', (next, expected) => {
    expect(consoleReturnPath(next)).toBe(expected);
  });
});
