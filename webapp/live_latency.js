// Camera-to-overlay latency, measured in the browser (see webapp/latency.py for the whole design).
// Runs inside streamlit-webrtc's frame, so the times it stamps and the display times it reads share one clock.
// 1. The camera track is wrapped: each frame, as the page gets it, carries performance.now() (ms mod 2^BITS)
//    as a strip of black and white cells in its top-right corner. The server sends each frame back with its own
//    strip and, just below, the strip of the frame whose result is drawn on it.
// 2. On each frame the page shows (requestVideoFrameCallback on the returned video) both strips are read back:
//    the first frame showing a new result's stamp gives the camera-to-overlay latency (expected display time -
//    stamp), each frame's own stamp the picture's latency.
(function () {
  const win = window;
  if (win.__formcheckLatency) return;
  const [ACROSS, BITS, CHECK] = __STAMP__;  // set by webapp/latency.py
  const CELLS = 2 + BITS + CHECK;  // a black and a white reference cell, the time, its check
  const MOD = 2 ** BITS;
  const mine = new WeakSet();  // the streams made here: their own preview is not measured
  // [display time, latency ms] of each new result shown (overlay) and of each frame shown (picture)
  const state = {overlay: [], picture: [], unreadable: 0, wrapped: 0};

  function checksum(value) {
    let sum = 0;
    for (let v = value; v > 0; v = Math.floor(v / 16)) sum += v % 16;
    return sum % (2 ** CHECK);
  }

  function cellsOf(value) {
    const bits = [0, 1];
    for (let i = BITS - 1; i >= 0; i--) bits.push(Math.floor(value / 2 ** i) % 2);
    const check = checksum(value);
    for (let i = CHECK - 1; i >= 0; i--) bits.push((check >> i) & 1);
    return bits;
  }

  function cellSize(width) {  // as webapp/latency.py strip_size: a fraction of the width, so scaling keeps it
    return Math.max(2, Math.round(width / ACROSS));
  }

  function drawStamp(ctx, width, value) {
    const cell = cellSize(width), left = width - CELLS * cell;
    cellsOf(value).forEach((bit, i) => {
      ctx.fillStyle = bit ? "#fff" : "#000";
      ctx.fillRect(left + i * cell, 0, cell, 2 * cell);
    });
  }

  async function stampFrames(track, generator) {
    const reader = new MediaStreamTrackProcessor({track}).readable.getReader();
    const writer = generator.writable.getWriter();
    let canvas = null, ctx = null;
    for (;;) {
      const {value: frame, done} = await reader.read();
      if (done) break;
      if (writer.desiredSize <= 0) {  // the frames before are not taken yet: never queue, send the newest
        frame.close();
        continue;
      }
      const taken = win.performance.now();
      if (!canvas || canvas.width !== frame.displayWidth || canvas.height !== frame.displayHeight) {
        canvas = new OffscreenCanvas(frame.displayWidth, frame.displayHeight);
        ctx = canvas.getContext("2d");
      }
      ctx.drawImage(frame, 0, 0);
      drawStamp(ctx, canvas.width, Math.round(taken) % MOD);
      const stamped = new VideoFrame(canvas, {timestamp: frame.timestamp});
      frame.close();
      writer.write(stamped).catch(() => {}).finally(() => stamped.close());
    }
    writer.close().catch(() => {});
  }

  function stamped(stream) {
    const tracks = stream.getTracks().map((track) => {
      if (track.kind !== "video") return track;
      const generator = new MediaStreamTrackGenerator({kind: "video"});
      stampFrames(track, generator);
      const stop = generator.stop.bind(generator);  // the page's STOP also turns the camera off
      generator.stop = () => { track.stop(); stop(); };
      return generator;
    });
    const out = new MediaStream(tracks);
    mine.add(out);
    state.wrapped++;
    return out;
  }

  const devices = win.navigator.mediaDevices;
  const getUserMedia = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => stamped(await getUserMedia(constraints));

  const reading = {canvas: null, ctx: null};

  function readStamps(video) {  // [the picture's own stamp, its result's stamp]: null where unreadable
    const cell = cellSize(video.videoWidth), width = CELLS * cell, height = 4 * cell;
    if (!reading.canvas || reading.canvas.width !== width || reading.canvas.height !== height) {
      reading.canvas = new OffscreenCanvas(width, height);
      reading.ctx = reading.canvas.getContext("2d", {willReadFrequently: true});
    }
    reading.ctx.drawImage(video, video.videoWidth - width, 0, width, height, 0, 0, width, height);
    const pixels = reading.ctx.getImageData(0, 0, width, height).data;
    return [0, 1].map((row) => {
      const levels = [];
      for (let i = 0; i < CELLS; i++) {
        levels.push(cellLevel(pixels, width, (i + 0.25) * cell, cell / 2, (row + 0.25) * 2 * cell, cell));
      }
      return decode(levels);
    });
  }

  function cellLevel(pixels, width, x0, w, y0, h) {  // mean brightness of a cell's middle
    let sum = 0, n = 0;
    for (let y = Math.floor(y0); y < Math.ceil(y0 + h); y++) {
      for (let x = Math.floor(x0); x < Math.ceil(x0 + w); x++) {
        const p = (y * width + x) * 4;
        sum += pixels[p] + pixels[p + 1] + pixels[p + 2];
        n++;
      }
    }
    return n ? sum / n / 3 : 0;
  }

  function decode(levels) {  // the stamp, or null when the strip is not one (a blank, a misread)
    const black = levels[0], white = levels[1];
    if (white - black < 80) return null;
    const bits = levels.slice(2).map((v) => (v > (black + white) / 2 ? 1 : 0));
    let value = 0, check = 0;
    for (let i = 0; i < BITS; i++) value = value * 2 + bits[i];
    for (let i = BITS; i < BITS + CHECK; i++) check = check * 2 + bits[i];
    return checksum(value) === check ? value : null;
  }

  function record(samples, shown, stamp) {
    samples.push([shown, ((Math.round(shown) - stamp) % MOD + MOD) % MOD]);
    if (samples.length > 20000) samples.splice(0, 10000);
  }

  function watch(video) {
    let last = null;
    const onFrame = (now, meta) => {
      if (video.srcObject && !mine.has(video.srcObject) && video.videoWidth) {
        const [picture, result] = readStamps(video);
        if (picture === null || result === null) state.unreadable++;
        if (picture !== null) record(state.picture, meta.expectedDisplayTime, picture);
        if (result !== null && result !== last) {
          last = result;
          record(state.overlay, meta.expectedDisplayTime, result);
        }
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }

  const watched = new WeakSet();
  win.setInterval(() => {
    for (const video of win.document.querySelectorAll("video")) {
      if (!watched.has(video)) { watched.add(video); watch(video); }
    }
  }, 300);

  function quantile(sorted, q) {
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }

  function spread(samples) {  // p50, p95 of the latencies, over samples that are not empty
    const ms = samples.map(([, latency]) => latency).sort((a, b) => a - b);
    return {p50: quantile(ms, 0.5), p95: quantile(ms, 0.95)};
  }

  // The readout's numbers over the last windowS seconds (null before any result was shown).
  win.__formcheckLatency = {
    // the camera was opened before this script could wrap it: frames come back, none carries a stamp
    unstamped() { return state.wrapped === 0 && state.unreadable > 30; },
    summary(windowS) {
      const now = win.performance.now();
      const recent = (samples) => samples.filter(([shown]) => now - shown <= windowS * 1000);
      const overlay = recent(state.overlay), picture = recent(state.picture);
      if (!overlay.length || !picture.length) return null;
      const span = (overlay[overlay.length - 1][0] - overlay[0][0]) / 1000;
      return {...spread(overlay), results: overlay.length, resultsPerS: span > 0 ? (overlay.length - 1) / span : 0,
              picture: {...spread(picture), frames: picture.length}, unreadable: state.unreadable};
    },
  };
})();
