/**
 * Progress of long stages on stderr: one line redrawn in place on a terminal, plain periodic lines
 * otherwise (batch logs); silent with --quiet.
 */
export class Progress {
  private readonly started = Date.now();
  private lastPrint = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly quiet: boolean,
  ) {}

  /** Reports `done` of `total` units; prints at most every 0.2 s on a terminal, every 10 s otherwise. */
  update(done: number): void {
    if (this.quiet) return;
    const now = Date.now();
    const interval = this.tty ? 200 : 10_000;
    if (now - this.lastPrint < interval && done < this.total) return;
    this.lastPrint = now;
    const seconds = (now - this.started) / 1000;
    const rate = done / Math.max(seconds, 1e-9);
    const left = rate > 0 ? (this.total - done) / rate : NaN;
    const pct = this.total > 0 ? ((100 * done) / this.total).toFixed(1) : '100.0';
    const text = `${this.label}: ${done}/${this.total} (${pct}%), ${rate.toFixed(0)}/s, ${Number.isFinite(left) ? `${left.toFixed(0)} s left` : ''}`;
    if (this.tty) process.stderr.write(`\r${text}\x1b[K${done >= this.total ? '\n' : ''}`);
    else process.stderr.write(`${text}\n`);
  }
}
