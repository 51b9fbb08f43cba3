import { renderSVG } from 'uqr';

export interface QrOptions {
  text: string;
  /** Output edge in pixels (1..1000). */
  size: number;
  /** Quiet zone in modules (0..10). */
  margin: number;
}

/**
 * The QR code as an SVG document of one unit per module, quiet zone included (error correction L,
 * as Appwrite's chillerlan/php-qrcode default). The caller renders it at `size` pixels.
 */
export function qrSvg(options: QrOptions): string {
  return renderSVG(options.text, { border: options.margin, ecc: 'L', pixelSize: 1 });
}
