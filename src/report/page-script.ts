/**
 * The script of report.html (plain browser JavaScript, no dependencies, inlined in the page): an
 * interactive canvas Manhattan plot (hover for SNP details, click a chromosome to zoom) and a
 * sortable top-hits table, drawn from the data buildPageData embeds. Written without template
 * literals so it can live in this TypeScript string as is. The hit labels are placed by
 * label-placement.ts's placeLabels, whose compiled source is inlined, with the browser's text widths.
 */
import { legendBox, placeLabels } from './label-placement.js';

const SCRIPT = String.raw`
(function () {
  'use strict';
  // Bundlers that keep function names wrap inner functions in __name(); the page needs no names.
  var __name = function (f) { return f; };
  var placeLabels = /*PLACE_LABELS*/ null;
  var legendBox = /*LEGEND_BOX*/ null;
  var started = performance.now();
  var D = JSON.parse(document.getElementById('lmmscan-data').textContent);
  var P = D.page;
  function bytes(b64) {
    var s = atob(b64), u = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
    return u;
  }
  var det = {
    n: P.detail.n,
    chr: new Uint16Array(bytes(P.detail.chr).buffer),
    pos: new Float64Array(bytes(P.detail.pos).buffer),
    p: new Float64Array(bytes(P.detail.p).buffer),
    beta: new Float32Array(bytes(P.detail.beta).buffer),
    se: new Float32Array(bytes(P.detail.se).buffer),
    af: new Float32Array(bytes(P.detail.af).buffer),
    rs: P.detail.n ? P.detail.rs.split('\n') : [],
    a1: P.detail.n ? P.detail.allele1.split('\n') : [],
    a0: P.detail.n ? P.detail.allele0.split('\n') : [],
    tests: {}
  };
  var TESTS = ['wald', 'lrt', 'score'].filter(function (t) { return P.detail.tests[t] !== undefined; });
  TESTS.forEach(function (t) { det.tests[t] = new Float64Array(bytes(P.detail.tests[t]).buffer); });
  var bg = bytes(P.background);
  var chrs = P.chromosomes;
  var COLOURS = ['#1f4e79', '#7aa6d6'], SIG = '#c62828', GW = -Math.log10(P.lines.genomeWide), SUG = -Math.log10(P.lines.suggestive);
  var bgTop = -Math.log10(P.detailCutoff);
  var canvas = document.getElementById('manhattan');
  var wrap = document.getElementById('manhattan-wrap');
  var tip = document.getElementById('tooltip');
  var viewLabel = document.getElementById('view-label');
  var select = document.getElementById('chromosome-select');
  var ctx = canvas.getContext('2d');
  var M = { left: 62, right: 18, top: 16, bottom: 46 };
  var view = -1;
  var px = new Float32Array(det.n), py = new Float32Array(det.n), visible = new Uint8Array(det.n);
  var W = 0, H = 0;

  function mlog(p) { return -Math.log10(Math.max(p, 1e-300)); }
  function gx(c, pos) { var s = chrs[c]; return s.start + (s.width - (s.maxPos - s.minPos)) / 2 + (pos - s.minPos); }
  function fmtP(p) { return p < 1e-3 ? p.toExponential(2) : p.toPrecision(3); }
  function lineP(p) { var e = p.toExponential(2).split('e'); return e[0].replace(/\.?0+$/, '') + 'e' + Number(e[1]); }
  function fmtN(x) { return isFinite(x) ? Number(x.toPrecision(4)).toString() : 'nan'; }
  function niceTicks(lo, hi, target) {
    var raw = (hi - lo) / target, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * mag; }).find(function (s) { return s >= raw; });
    var out = [];
    for (var v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(10)));
    return out;
  }

  function draw() {
    var dpr = window.devicePixelRatio || 1;
    W = wrap.clientWidth; H = 430;
    canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
    canvas.style.width = W + 'px'; canvas.style.height = H + 'px';
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, H);
    var x0 = view < 0 ? 0 : chrs[view].start, x1 = view < 0 ? P.genomeLength : chrs[view].start + chrs[view].width;
    var plotW = W - M.left - M.right, plotH = H - M.top - M.bottom;
    var best = -1;
    for (var j = 0; j < det.n; j++) if (view < 0 || det.chr[j] === view) { best = j; break; }
    var yMax = Math.max(best >= 0 ? mlog(det.p[best]) : bgTop, Math.max(GW, SUG) + 0.5) * 1.12;
    function X(g) { return M.left + (g - x0) / (x1 - x0) * plotW; }
    function Y(lp) { return M.top + plotH - Math.min(lp, yMax) / yMax * plotH; }
    ctx.font = '12px sans-serif'; ctx.textBaseline = 'middle'; ctx.textAlign = 'right';
    niceTicks(0, yMax, 6).forEach(function (t) {
      var y = Math.round(Y(t)) + 0.5;
      ctx.strokeStyle = '#ececec'; ctx.beginPath(); ctx.moveTo(M.left, y); ctx.lineTo(M.left + plotW, y); ctx.stroke();
      ctx.fillStyle = '#222'; ctx.fillText(String(t), M.left - 8, y);
    });
    ctx.save(); ctx.translate(16, M.top + plotH / 2); ctx.rotate(-Math.PI / 2); ctx.textAlign = 'center'; ctx.font = '13px sans-serif';
    ctx.fillText('\u2212log\u2081\u2080(p)', 0, 0); ctx.restore();

    // Background bins: one square per occupied screen pixel.
    var seen = new Uint8Array(Math.ceil(W) * Math.ceil(H));
    for (var c = 0; c < chrs.length; c++) {
      if (view >= 0 && c !== view) continue;
      var s = chrs[c], span = s.maxPos - s.minPos;
      ctx.fillStyle = COLOURS[c % 2];
      for (var col = 0; col < s.columns; col++) {
        var base = s.bitOffset + col * P.bgRows;
        for (var row = 0; row < P.bgRows; row++) {
          var bit = base + row;
          if (!(bg[bit >> 3] & (1 << (bit & 7)))) continue;
          // A fixed pseudo-random spot inside the bin, so zoomed-in bins do not line up in a grid.
          var h = Math.imul(bit + 1, 2654435761) >>> 0;
          var x = X(gx(c, s.minPos + (col + (h & 0xffff) / 65536) / s.columns * span)) | 0;
          var y = Y((row + (h >>> 16) / 65536) / P.bgRows * bgTop) | 0;
          var cell = y * W + x;
          if (seen[cell]) continue;
          seen[cell] = 1;
          ctx.fillRect(x - 2, y - 2, 4, 4);
        }
      }
    }
    // Detail points, least significant first so the top hits end up on top.
    for (var k = det.n - 1; k >= 0; k--) {
      var ck = det.chr[k];
      if (view >= 0 && ck !== view) { visible[k] = 0; continue; }
      visible[k] = 1;
      var lp = mlog(det.p[k]);
      px[k] = X(gx(ck, det.pos[k])); py[k] = Y(lp);
      ctx.fillStyle = lp >= GW ? SIG : COLOURS[ck % 2];
      ctx.beginPath(); ctx.arc(px[k], py[k], 2.3, 0, 2 * Math.PI); ctx.fill();
    }
    // Threshold lines; each legend sits above its line at the right end (else the left end) clear
    // of the labelled points and the other legend, and is an obstacle for the hit labels.
    var area = { x0: M.left, y0: M.top, x1: M.left + plotW, y1: M.top + plotH };
    var requests = labelRequests();
    var legends = [], lineYs = [];
    [[GW, SIG, [6, 4], 'p = ' + lineP(P.lines.genomeWide)], [SUG, '#5b7fa6', [2, 3], 'p = ' + lineP(P.lines.suggestive)]].forEach(function (l) {
      var y = Y(l[0]);
      lineYs.push(y);
      ctx.strokeStyle = l[1]; ctx.setLineDash(l[2]); ctx.beginPath(); ctx.moveTo(M.left, y); ctx.lineTo(M.left + plotW, y); ctx.stroke();
      ctx.setLineDash([]); ctx.fillStyle = l[1]; ctx.textAlign = 'right'; ctx.textBaseline = 'bottom'; ctx.font = '11px sans-serif';
      var box = legendBox(ctx.measureText(l[3]).width, y, area, requests, legends, LABEL_RADIUS);
      if (!box) return;
      legends.push(box);
      ctx.fillText(l[3], box.x1, y - 3);
    });
    ctx.strokeStyle = '#444'; ctx.beginPath(); ctx.moveTo(M.left, M.top); ctx.lineTo(M.left, M.top + plotH); ctx.lineTo(M.left + plotW, M.top + plotH); ctx.stroke();
    ctx.fillStyle = '#222'; ctx.textAlign = 'center'; ctx.textBaseline = 'top'; ctx.font = '12px sans-serif';
    if (view < 0 && chrs.length > 1) {
      var lastRight = -1e9;
      chrs.forEach(function (s) {
        var cx = X(s.start + s.width / 2), label = s.name.replace(/^chr/i, ''), w = ctx.measureText(label).width;
        if (w > 3 * s.width / P.genomeLength * plotW && !/^(chr)?(X|Y|XY|MT|M)$/i.test(s.name)) return;
        if (cx - w / 2 < lastRight + 4) return;
        lastRight = cx + w / 2; ctx.fillText(label, cx, M.top + plotH + 8);
      });
      ctx.font = '13px sans-serif'; ctx.fillText('Chromosome (click one to zoom in)', M.left + plotW / 2, H - 18);
    } else {
      var sv = chrs[view < 0 ? 0 : view], spanV = sv.maxPos - sv.minPos;
      var unit = spanV >= 5e6 ? ['Mb', 1e6] : spanV >= 5e3 ? ['kb', 1e3] : ['bp', 1];
      var lo = sv.minPos - (sv.width - spanV) / 2, hi = lo + sv.width, lastR = -1e9;
      niceTicks(lo / unit[1], hi / unit[1], 8).forEach(function (t) {
        var x = X(gx(view < 0 ? 0 : view, t * unit[1])), label = String(t), w = ctx.measureText(label).width;
        if (x < M.left - 1 || x > M.left + plotW + 1 || x - w / 2 < lastR + 8) return;
        lastR = x + w / 2; ctx.fillText(label, x, M.top + plotH + 8);
      });
      ctx.font = '13px sans-serif'; ctx.fillText('Position on chromosome ' + sv.name + ' (' + unit[0] + ')', M.left + plotW / 2, H - 18);
    }
    drawLabels(requests, area, lineYs, legends);
    if (best >= 0) { canvas.dataset.topRs = det.rs[best]; canvas.dataset.topX = String(px[best]); canvas.dataset.topY = String(py[best]); }
    viewLabel.textContent = view < 0 ? 'All chromosomes' : 'Chromosome ' + chrs[view].name;
    select.value = String(view);
  }

  // One label per locus lead in view (the most significant maxLabels of them), placed with
  // the same rules as the static plot; the boxes go into data-labels for the browser test.
  var LABEL_RADIUS = 6;
  function labelRequests() {
    ctx.font = 'bold 12px sans-serif';
    return P.leads.filter(function (j) { return visible[j]; }).slice(0, P.maxLabels).map(function (j) {
      var text = det.rs[j] + ' (p = ' + fmtP(det.p[j]) + ')';
      return { x: px[j], y: py[j], w: Math.ceil(ctx.measureText(text).width) + 2, h: 15, text: text, rs: det.rs[j] };
    });
  }
  function drawLabels(requests, area, lineYs, legends) {
    var R = LABEL_RADIUS, shown = [];
    var boxes = placeLabels(requests, area, lineYs, legends, R);
    requests.forEach(function (r, i) {
      var b = boxes[i];
      if (!b) return;
      ctx.strokeStyle = '#111'; ctx.lineWidth = 1.4; ctx.beginPath(); ctx.arc(r.x, r.y, R, 0, 2 * Math.PI); ctx.stroke(); ctx.lineWidth = 1;
      if (b.leader) {
        var ly = b.y1 < r.y ? b.y1 : b.y0;
        ctx.strokeStyle = '#555'; ctx.beginPath(); ctx.moveTo(r.x, r.y + (ly < r.y ? -R : R)); ctx.lineTo(Math.max(b.x0, Math.min(r.x, b.x1)), ly); ctx.stroke();
      }
      ctx.font = 'bold 12px sans-serif'; ctx.textAlign = 'left'; ctx.textBaseline = 'bottom';
      ctx.lineWidth = 3; ctx.strokeStyle = '#fff'; ctx.strokeText(r.text, b.x0 + 1, b.y1 - 1);
      ctx.fillStyle = '#111'; ctx.fillText(r.text, b.x0 + 1, b.y1 - 1); ctx.lineWidth = 1;
      shown.push({ rs: r.rs, x: r.x, y: r.y, x0: b.x0, y0: b.y0, x1: b.x1, y1: b.y1 });
    });
    canvas.dataset.labels = JSON.stringify(shown);
    canvas.dataset.plotArea = JSON.stringify(area);
    canvas.dataset.lines = JSON.stringify(lineYs);
    canvas.dataset.legends = JSON.stringify(legends);
  }

  function nearest(mx, my) {
    var bestK = -1, bestD = 64;
    for (var k = 0; k < det.n; k++) {
      if (!visible[k]) continue;
      var dx = px[k] - mx, dy = py[k] - my, d = dx * dx + dy * dy;
      if (d < bestD || (d === bestD && bestK >= 0 && det.p[k] < det.p[bestK])) { bestD = d; bestK = k; }
    }
    return bestK;
  }
  function chromosomeAt(mx) {
    var plotW = W - M.left - M.right, g = (mx - M.left) / plotW * P.genomeLength;
    for (var c = 0; c < chrs.length; c++) if (g < chrs[c].start + chrs[c].width + P.genomeLength * 0.001) return c;
    return chrs.length - 1;
  }
  canvas.addEventListener('mousemove', function (e) {
    var r = canvas.getBoundingClientRect(), mx = e.clientX - r.left, my = e.clientY - r.top;
    var k = nearest(mx, my);
    if (k < 0) { tip.hidden = true; canvas.style.cursor = view < 0 ? 'zoom-in' : 'default'; return; }
    canvas.style.cursor = 'crosshair';
    tip.innerHTML = '';
    var head = document.createElement('strong'); head.textContent = det.rs[k]; tip.appendChild(head);
    [chrs[det.chr[k]].name + ':' + det.pos[k], 'beta = ' + fmtN(det.beta[k]) + ', se = ' + fmtN(det.se[k]), 'p = ' + fmtP(det.p[k])].forEach(function (line) {
      var div = document.createElement('div'); div.textContent = line; tip.appendChild(div);
    });
    tip.hidden = false;
    var left = px[k] + 12, top = py[k] + 12;
    if (left + tip.offsetWidth > W) left = px[k] - 12 - tip.offsetWidth;
    if (top + tip.offsetHeight > H) top = py[k] - 12 - tip.offsetHeight;
    tip.style.left = left + 'px'; tip.style.top = top + 'px';
  });
  canvas.addEventListener('mouseleave', function () { tip.hidden = true; });
  canvas.addEventListener('click', function (e) {
    if (view >= 0 || chrs.length < 2) return;
    var r = canvas.getBoundingClientRect();
    view = chromosomeAt(e.clientX - r.left); tip.hidden = true; draw();
  });
  document.getElementById('reset').addEventListener('click', function () { view = -1; draw(); });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape' && view >= 0) { view = -1; draw(); } });
  chrs.forEach(function (s, c) { var o = document.createElement('option'); o.value = String(c); o.textContent = 'Chromosome ' + s.name; select.appendChild(o); });
  select.addEventListener('change', function () { view = Number(select.value); draw(); });
  var pending = false;
  window.addEventListener('resize', function () { if (!pending) { pending = true; requestAnimationFrame(function () { pending = false; draw(); }); } });

  // Top hits: the most significant detail SNPs, sortable by any column.
  var tbody = document.querySelector('#hits tbody');
  var nTop = Math.min(det.n, D.topCount);
  // Columns as the page's header lists them: #, SNP, chr, position, allele1, allele0, af, beta, se,
  // then the p of every test the file has.
  var cols = [
    function (k) { return k + 1; }, function (k) { return det.rs[k]; }, function (k) { return chrs[det.chr[k]].name; },
    function (k) { return det.pos[k]; }, function (k) { return det.a1[k]; }, function (k) { return det.a0[k]; },
    function (k) { return det.af[k]; }, function (k) { return det.beta[k]; }, function (k) { return det.se[k]; }
  ];
  var show = [String, String, String, String, String, String, function (v) { return isFinite(v) ? v.toFixed(3) : 'nan'; }, fmtN, fmtN];
  TESTS.forEach(function (t) { cols.push(function (k) { return det.tests[t][k]; }); show.push(function (v) { return isFinite(v) ? fmtP(v) : 'nan'; }); });
  var order = []; for (var k = 0; k < nTop; k++) order.push(k);
  function fill() {
    var frag = document.createDocumentFragment();
    order.forEach(function (k) {
      var tr = document.createElement('tr');
      cols.forEach(function (f, i) { var td = document.createElement('td'); td.textContent = show[i](f(k)); tr.appendChild(td); });
      frag.appendChild(tr);
    });
    tbody.textContent = ''; tbody.appendChild(frag);
  }
  var sortCol = 0, ascending = true;
  document.querySelectorAll('#hits th').forEach(function (th, i) {
    th.addEventListener('click', function () {
      ascending = sortCol === i ? !ascending : true; sortCol = i;
      var f = cols[i];
      order.sort(function (a, b) {
        var va = f(a), vb = f(b);
        if (i === 2) { va = chrOrder(va); vb = chrOrder(vb); }
        // NaN (a test GEMMA printed as nan) sorts last either way.
        if (typeof va === 'number' && (isNaN(va) || isNaN(vb))) return (isNaN(va) ? 1 : 0) - (isNaN(vb) ? 1 : 0) || a - b;
        var d = typeof va === 'number' ? va - vb : String(va).localeCompare(String(vb), undefined, { numeric: true });
        return (ascending ? d : -d) || a - b;
      });
      document.querySelectorAll('#hits th').forEach(function (h, j) { h.setAttribute('aria-sort', j === i ? (ascending ? 'ascending' : 'descending') : 'none'); });
      fill();
    });
  });
  function chrOrder(name) { for (var c = 0; c < chrs.length; c++) if (chrs[c].name === name) return c; return 1e9; }
  fill();
  draw();
  window.lmmscanReport = { ready: true, renderMs: performance.now() - started };
})();
`;

/** The script with placeLabels inlined. */
export const PAGE_SCRIPT = SCRIPT.replace('/*PLACE_LABELS*/ null', () => placeLabels.toString()).replace(
  '/*LEGEND_BOX*/ null',
  () => legendBox.toString(),
);
