/**
 * SVG -> PNG without a browser (@resvg/resvg-js), at twice the SVG's size: the 1100-unit-wide
 * Manhattan plot becomes 2200 px, 300 dpi across a 7.3-inch column. Text needs a system font
 * (Debian: fonts-dejavu-core); without one resvg silently draws no text, so this is checked.
 */
import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { FONT_FAMILY } from './svg-kit.js';

/** Where Debian's fonts-dejavu-core puts the font the figures use. */
export const DEJAVU_SANS = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

/** Rasterises an SVG document to PNG bytes, `scale` pixels per SVG unit. */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    font: {
      loadSystemFonts: true,
      fontFiles: existsSync(DEJAVU_SANS) ? [DEJAVU_SANS] : [],
      defaultFontFamily: FONT_FAMILY,
    },
  });
  return resvg.render().asPng();
}
