import { describe, expect, it } from 'vitest';
import { parseJsonBig, stringifyJsonBig } from './json-big';

describe('big-json', () => {
  it('keeps integers beyond 2^53 exact both ways', () => {
    const parsed = parseJsonBig('{"min":-9223372036854775808,"max":9007199254740993,"n":12,"f":1.5,"e":1e300}') as Record<string, unknown>;
    expect(parsed).toEqual({ min: -9223372036854775808n, max: 9007199254740993n, n: 12, f: 1.5, e: 1e300 });
    expect(stringifyJsonBig(parsed)).toBe('{"min":-9223372036854775808,"max":9007199254740993,"n":12,"f":1.5,"e":1e+300}');
  });
});
