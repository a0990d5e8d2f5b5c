// The player's waveform: the server's peaks (0..255, evenly spread over the track) drawn as
// bars on a canvas, the played part in the ruby accent. Without peaks (a remote preview, a
// waveform not computed yet) it draws a plain progress line. Colours come from the theme's
// CSS variables and are read again when the theme changes.

const BAR_WIDTH = 2; // CSS pixels
const BAR_GAP = 1;
const MIN_BAR = 0.08; // silence still shows as a thin bar, so the line reads as a track

export class Waveform {
  constructor(container, canvas) {
    this.container = container;
    this.canvas = canvas;
    this.peaks = null;
    this.progress = 0;
    this.colors = null;
    this.frame = 0;
    this.resizeObserver = new ResizeObserver(() => this.schedule());
    this.resizeObserver.observe(container);
    this.themeObserver = new MutationObserver(() => {
      this.colors = null;
      this.schedule();
    });
    this.themeObserver.observe(document.documentElement, {
      attributes: true,
      attributeFilter: ["data-theme"],
    });
  }

  setPeaks(peaks) {
    this.peaks = Array.isArray(peaks) && peaks.length ? peaks : null;
    this.schedule();
  }

  setProgress(fraction) {
    const value = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
    if (value === this.progress) return;
    this.progress = value;
    this.schedule();
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  readColors() {
    const style = getComputedStyle(this.container);
    const read = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
    return {
      played: read("--ruby", "#e0245e"),
      rest: read("--muted", "#b9a9af"),
    };
  }

  draw() {
    const width = this.container.clientWidth;
    const height = this.container.clientHeight;
    if (!width || !height) return;
    const ratio = window.devicePixelRatio || 1;
    const pixelWidth = Math.round(width * ratio);
    const pixelHeight = Math.round(height * ratio);
    if (this.canvas.width !== pixelWidth || this.canvas.height !== pixelHeight) {
      this.canvas.width = pixelWidth;
      this.canvas.height = pixelHeight;
    }
    const context = this.canvas.getContext("2d");
    if (!context) return;
    this.colors ||= this.readColors();
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    const playedX = width * this.progress;
    if (!this.peaks) {
      const lineHeight = 4;
      const y = (height - lineHeight) / 2;
      context.globalAlpha = 0.5;
      context.fillStyle = this.colors.rest;
      context.fillRect(0, y, width, lineHeight);
      context.globalAlpha = 1;
      context.fillStyle = this.colors.played;
      context.fillRect(0, y, playedX, lineHeight);
      return;
    }
    const step = BAR_WIDTH + BAR_GAP;
    const bars = Math.max(1, Math.floor(width / step));
    const perBar = this.peaks.length / bars;
    for (let bar = 0; bar < bars; bar += 1) {
      // The loudest peak of the slice, so short bursts survive the downsampling.
      const from = Math.floor(bar * perBar);
      const to = Math.max(from + 1, Math.floor((bar + 1) * perBar));
      let peak = 0;
      for (let index = from; index < to && index < this.peaks.length; index += 1) {
        peak = Math.max(peak, Number(this.peaks[index]) || 0);
      }
      const barHeight = Math.max(MIN_BAR, Math.min(1, peak / 255)) * height;
      const x = bar * step;
      const played = x + BAR_WIDTH / 2 <= playedX;
      context.globalAlpha = played ? 1 : 0.55;
      context.fillStyle = played ? this.colors.played : this.colors.rest;
      context.fillRect(x, (height - barHeight) / 2, BAR_WIDTH, barHeight);
    }
    context.globalAlpha = 1;
  }

  destroy() {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.resizeObserver.disconnect();
    this.themeObserver.disconnect();
  }
}
