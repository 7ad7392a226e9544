/**
 * SVG -> PNG without a browser (@resvg/resvg-js), at twice the SVG's size: the 1100-unit-wide
 * Manhattan plot becomes 2200 px, 300 dpi across a 7.3-inch column. Text needs a system font
 * (Debian: fonts-dejavu-core); without one resvg silently draws no text, so this is checked.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { FONT_FAMILY } from './svg-kit.js';

type ResvgModule = typeof import('@resvg/resvg-js');
let resvgModule: ResvgModule | undefined;

/** resvg's native binding, loaded on the first raster: a run that writes no PNG never loads it. */
function resvg(): ResvgModule {
  resvgModule ??= createRequire(import.meta.url)('@resvg/resvg-js') as ResvgModule;
  return resvgModule;
}

/** Where Debian's fonts-dejavu-core puts the fonts the figures use (regular and bold). */
export const DEJAVU_SANS = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
];

const dejaVuPresent = DEJAVU_SANS.every((f) => existsSync(f));

/** Rasterises an SVG document to PNG bytes, `scale` pixels per SVG unit. */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  return rasterise(svg, scale).png;
}

/** The raster itself: size, RGBA pixels (row-major, 4 bytes each) and its PNG encoding. */
export function rasterise(
  svg: string,
  scale = 2,
): { width: number; height: number; pixels: Uint8Array; png: Uint8Array } {
  const renderer = new (resvg().Resvg)(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    // Scanning every system font costs about a second per figure: load DejaVu Sans directly
    // when it is where Debian puts it, and fall back to the system scan otherwise.
    font: dejaVuPresent
      ? { loadSystemFonts: false, fontFiles: DEJAVU_SANS, defaultFontFamily: FONT_FAMILY }
      : { loadSystemFonts: true, defaultFontFamily: FONT_FAMILY },
  });
  const image = renderer.render();
  return { width: image.width, height: image.height, pixels: image.pixels, png: image.asPng() };
}
