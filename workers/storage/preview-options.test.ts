import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/errors';
import { parsePreviewParams, previewOutput, previewTransform, renditionSpec } from './preview-options';

const refused = (q: Record<string, string>) => {
  try {
    parsePreviewParams(q);
  } catch (err) {
    return (err as ApiError).type;
  }
  return null;
};

describe('preview parameters → Images binding options', () => {
  it('maps crop + gravity, border and background onto the production transform', () => {
    const p = parsePreviewParams({ width: '200', height: '100', gravity: 'top-right', borderWidth: '4', borderColor: 'FF0000', background: '00ff00', rotation: '-90', quality: '80', output: 'webp' });
    expect(previewTransform(p)).toEqual({
      width: 200, height: 100, fit: 'cover', gravity: { x: 1, y: 0, mode: 'remainder' }, rotate: 270,
      border: { color: '#ff0000', width: 4 }, background: '#00ff00',
    });
    expect(previewOutput(p, 'image/png')).toEqual({ format: 'image/webp', quality: 80, background: '#00ff00' });
  });

  it('scales by one side, maps every gravity, keeps the input format when none is asked', () => {
    expect(previewTransform(parsePreviewParams({ width: '64' }))).toEqual({ width: 64, fit: 'contain' });
    expect(previewTransform(parsePreviewParams({ height: '64', gravity: 'top' }))).toEqual({ height: 64, fit: 'contain' });
    const g = (gravity: string) => previewTransform(parsePreviewParams({ width: '1', height: '1', gravity })).gravity;
    expect(['center', 'top', 'bottom', 'left', 'right', 'auto'].map(g)).toEqual(['center', 'top', 'bottom', 'left', 'right', 'auto']);
    expect(g('top-left')).toEqual({ x: 0, y: 0, mode: 'remainder' });
    expect(g('bottom-left')).toEqual({ x: 0, y: 1, mode: 'remainder' });
    expect(g('bottom-right')).toEqual({ x: 1, y: 1, mode: 'remainder' });
    expect(previewTransform(parsePreviewParams({ borderWidth: '2' }))).toEqual({ border: { color: '#000000', width: 2 } });
    expect(previewOutput(parsePreviewParams({}), 'image/png')).toEqual({ format: 'image/png' });
    expect(previewOutput(parsePreviewParams({}), 'image/heic')).toEqual({ format: 'image/jpeg' });
    expect(previewOutput(parsePreviewParams({ output: 'jpg', quality: '-1' }), 'image/png')).toEqual({ format: 'image/jpeg' });
    expect(previewTransform(parsePreviewParams({ rotation: '360' }))).toEqual({});
  });

  it('treats empty values as absent (the SDKs send `width=`) and keys renditions by what shapes them', () => {
    expect(parsePreviewParams({ width: '', output: '', token: 'x', project: 'p', impersonateuserid: '' })).toEqual({});
    expect(renditionSpec(parsePreviewParams({ width: '64' }), 'image/png')).toBe(renditionSpec(parsePreviewParams({ width: '64', token: 'other' }), 'image/png'));
    expect(renditionSpec(parsePreviewParams({ width: '64' }), 'image/png')).not.toBe(renditionSpec(parsePreviewParams({ width: '65' }), 'image/png'));
  });

  it('refuses what the binding cannot render, and out-of-range values', () => {
    for (const q of [{ rotation: '45' }, { opacity: '0.5' }, { borderRadius: '10' }, { output: 'heic' }, { width: '5000' }, { quality: '101' }, { gravity: 'middle' }, { borderColor: 'red' }, { output: 'bmp' }, { width: 'abc' }] as Record<string, string>[]) {
      expect(refused(q), JSON.stringify(q)).toBe('general_argument_invalid');
    }
    expect(refused({ rotation: '180', opacity: '1', borderRadius: '0' })).toBeNull();
  });
});
