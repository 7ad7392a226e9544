/**
 * Where the hit labels of a Manhattan plot go: each label is tried at spots around its point
 * (upper right first, then the other sides, then stacked further above or below with a leader
 * line) and takes the first spot that is wholly inside the plot area, crosses no threshold line,
 * covers no labelled point (its own or another's), no fixed text (the line legends) and no label
 * placed before it. Labels are placed in priority order (most significant locus first); one that
 * fits nowhere is dropped rather than drawn over something.
 *
 * placeLabels is self-contained (no imports, no closures over module state) because the report
 * page inlines its source (Function.prototype.toString) to place labels on the canvas with the
 * browser's own text widths: the static SVG and the page use the same rules.
 */

/** An axis-aligned box in plot pixels: x0 < x1, y0 < y1 (y grows downwards). */
export interface LabelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A label to place: its point (x, y) and its text's width and height. */
export interface LabelRequest {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A placed label: its box, and whether it sits away from its point (draw a leader line). */
export interface PlacedLabel extends LabelBox {
  leader: boolean;
}

/**
 * Places labels; returns one entry per request, null where it could not be placed. `lineYs` are
 * the y of the horizontal threshold lines, `obstacles` fixed boxes to keep clear of, `radius` the
 * radius of the ring drawn round each labelled point.
 */
export function placeLabels(
  requests: LabelRequest[],
  area: LabelBox,
  lineYs: number[],
  obstacles: LabelBox[],
  radius: number,
): (PlacedLabel | null)[] {
  const PAD = 2;
  const placed: LabelBox[] = [];
  const out: (PlacedLabel | null)[] = [];
  function overlaps(a: LabelBox, b: LabelBox): boolean {
    return a.x0 < b.x1 + PAD && b.x0 < a.x1 + PAD && a.y0 < b.y1 + PAD && b.y0 < a.y1 + PAD;
  }
  function coversPoint(b: LabelBox, px: number, py: number): boolean {
    const nx = Math.max(b.x0, Math.min(px, b.x1));
    const ny = Math.max(b.y0, Math.min(py, b.y1));
    return (nx - px) * (nx - px) + (ny - py) * (ny - py) < (radius + PAD) * (radius + PAD);
  }
  function fits(b: LabelBox): boolean {
    if (b.x0 < area.x0 || b.x1 > area.x1 || b.y0 < area.y0 || b.y1 > area.y1) return false;
    for (const y of lineYs) if (y > b.y0 - PAD && y < b.y1 + PAD) return false;
    for (const r of requests) if (coversPoint(b, r.x, r.y)) return false;
    for (const o of obstacles) if (overlaps(b, o)) return false;
    for (const o of placed) if (overlaps(b, o)) return false;
    return true;
  }
  for (const r of requests) {
    const g = radius + 3;
    const right = r.x + g;
    const left = r.x - g - r.w;
    const centre = r.x - r.w / 2;
    const above = r.y - g - r.h;
    const below = r.y + g;
    // Spots beside the point first, then stacked rows further away (with a leader line).
    const spots: [number, number, boolean][] = [
      [right, above, false],
      [left, above, false],
      [centre, above, false],
      [right, r.y - r.h / 2, false],
      [left, r.y - r.h / 2, false],
      [right, below, false],
      [left, below, false],
      [centre, below, false],
    ];
    for (let n = 1; n <= 14; n++) {
      const step = n * (r.h + 4);
      spots.push([centre, above - step, true], [right, above - step, true], [left, above - step, true]);
      spots.push([centre, below + step, true], [right, below + step, true], [left, below + step, true]);
    }
    let chosen: PlacedLabel | null = null;
    for (const [x0, y0, leader] of spots) {
      const box = { x0, y0, x1: x0 + r.w, y1: y0 + r.h };
      if (fits(box)) {
        chosen = { x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1, leader };
        break;
      }
    }
    if (chosen) placed.push(chosen);
    out.push(chosen);
  }
  return out;
}

/**
 * The box of a threshold line's legend (text `width` wide, 15 tall, just above the line at y):
 * at the right end of the plot, else at the left end, else the first spot stepping left from the
 * right end, that covers none of `points` (the labelled points, ringed with `radius`) and no box in
 * `taken`; null when there is none. Also inlined in the report page.
 */
export function legendBox(
  width: number,
  y: number,
  area: LabelBox,
  points: { x: number; y: number }[],
  taken: LabelBox[],
  radius: number,
): LabelBox | null {
  const spots = [area.x1 - 4 - width, area.x0 + 8];
  for (let x0 = area.x1 - 4 - 1.5 * width; x0 > area.x0 + 8; x0 -= width / 2) spots.push(x0);
  for (const x0 of spots) {
    const b = { x0, y0: y - 17, x1: x0 + width, y1: y - 2 };
    if (b.y0 < area.y0) return null;
    const hitsPoint = points.some(
      (p) =>
        p.x > b.x0 - radius - 2 &&
        p.x < b.x1 + radius + 2 &&
        p.y > b.y0 - radius - 2 &&
        p.y < b.y1 + radius + 2,
    );
    const hitsBox = taken.some((t) => t.x0 < b.x1 && b.x0 < t.x1 && t.y0 < b.y1 && b.y0 < t.y1);
    if (!hitsPoint && !hitsBox) return b;
  }
  return null;
}
