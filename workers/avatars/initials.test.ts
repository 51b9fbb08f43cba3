import { describe, expect, it } from 'vitest';
import { cropSize, svgSize } from './frame';
import { initialsOf, themeColor } from './initials';

describe('initialsOf (Appwrite Initials::getInitials)', () => {
  it.each([
    ['John Doe', 'JD'],
    ['john', 'J'],
    ['john_doe', 'JD'],
    ['john doe smith', 'JD'],
    ['ada_lovelace byron', 'AB'],
    ['john  doe', 'JD'],
    ['a - b c', 'ABC'],
    ['123 abc', '1A'],
    ['élodie martin', 'M'],
    ['', ''],
    ['   ', ''],
    ['jane@example.com', 'J'],
  ])('%j → %j', (name, initials) => {
    expect(initialsOf(name)).toBe(initials);
  });
});

describe('themeColor (Appwrite Initials::getTheme)', () => {
  it('folds the last digit of the code sum onto the five colours', () => {
    expect(themeColor('JD')).toBe('#7C67FE'); // 74 + 68 = 142 → 2
    expect(themeColor('')).toBe('#FD366E'); // 0
    expect(themeColor('AB')).toBe('#FE9567'); // 65 + 66 = 131 → 1
    expect(themeColor('Z9')).toBe('#7C67FE'); // 90 + 57 = 147 → 7 → 7 % 5 = 2
  });
});

describe('cropSize (utopia-php/image Image::crop)', () => {
  const flag = { width: 640, height: 480 };
  it('keeps both sides when given, follows the aspect ratio for a 0, keeps the source for two', () => {
    expect(cropSize(flag, 100, 100)).toEqual({ width: 100, height: 100 });
    expect(cropSize(flag, 0, 60)).toEqual({ width: 80, height: 60 });
    expect(cropSize(flag, 80, 0)).toEqual({ width: 80, height: 60 });
    expect(cropSize(flag, 0, 0)).toEqual(flag);
  });

  it('never derives a side past 2000 px', () => {
    expect(cropSize({ width: 512, height: 10 }, 0, 2000)).toEqual({ width: 2000, height: 2000 });
  });
});

describe('svgSize', () => {
  it('reads width/height, else the viewBox', () => {
    expect(svgSize('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 480"><path/></svg>')).toEqual({ width: 640, height: 480 });
    expect(svgSize('<svg width="256" height="83" viewBox="0 0 512 166">')).toEqual({ width: 256, height: 83 });
    expect(svgSize('<svg width="100%" viewBox="0 0 30 10">')).toEqual({ width: 30, height: 10 });
    expect(svgSize('<svg>')).toEqual({ width: 100, height: 100 });
  });
});
