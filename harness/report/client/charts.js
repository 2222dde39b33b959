/*
 * Browser side of report.html and reports/index.html: draws the charts from
 * the JSON block `#nmt-data` with the inlined Chart.js. Plain ES2020, no
 * imports, no eval, no inline handlers, no DOM text from the data except
 * through textContent — so the page works under its strict
 * Content-Security-Policy (script and style hashes, nothing else).
 *
 * Page kinds: data.kind === 'run' (one run) or 'index' (run history).
 */
/* global document, Chart */
(function main() {
  'use strict';
  const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
  const color = (i) => PALETTE[i % PALETTE.length];

  const dataEl = document.getElementById('nmt-data');
  if (dataEl === null) return;
  const data = JSON.parse(dataEl.textContent);

  /** Phase boundaries (dashed vertical lines, labelled) and saturated seconds (red bands). */
  const marksPlugin = {
    id: 'nmtMarks',
    beforeDatasetsDraw(chart, _args, opts) {
      const x = chart.scales.x;
      const a = chart.chartArea;
      if (!x || !opts || !opts.bands) return;
      const ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = 'rgba(220, 38, 38, 0.14)';
      for (const s of opts.bands) {
        const left = Math.max(x.getPixelForValue(s), a.left);
        const right = Math.min(x.getPixelForValue(s + 1), a.right);
        if (right > left) ctx.fillRect(left, a.top, right - left, a.bottom - a.top);
      }
      ctx.restore();
    },
    afterDatasetsDraw(chart, _args, opts) {
      const x = chart.scales.x;
      const a = chart.chartArea;
      if (!x || !opts || !opts.phases) return;
      const ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = '#6b7280';
      ctx.fillStyle = '#374151';
      ctx.setLineDash([4, 4]);
      ctx.font = '11px system-ui, sans-serif';
      for (const p of opts.phases) {
        const px = x.getPixelForValue(p.second);
        if (px < a.left - 1 || px > a.right + 1) continue;
        ctx.beginPath();
        ctx.moveTo(px, a.top);
        ctx.lineTo(px, a.bottom);
        ctx.stroke();
        ctx.fillText(p.name, px + 3, a.top + 11);
      }
      ctx.restore();
    },
  };

  // Second k holds the bucket [k, k+1): plot it at its middle.
  const points = (xs, ys) => xs.map((x, i) => ({ x: x + 0.5, y: ys[i] === undefined ? null : ys[i] }));

  let xMax;

  function baseOptions(yTitle, extra) {
    return Object.assign(
      {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        plugins: { legend: { position: 'bottom' } },
        scales: {
          x: { type: 'linear', min: 0, max: xMax, title: { display: true, text: 'seconds since start' } },
          y: { title: { display: true, text: yTitle }, beginAtZero: true },
        },
      },
      extra || {},
    );
  }

  function line(label, xs, ys, i, more) {
    return Object.assign({ label, data: points(xs, ys), borderColor: color(i), backgroundColor: color(i), pointRadius: 0, borderWidth: 1.5, spanGaps: false }, more || {});
  }

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (canvas === null) return;
    try {
      // Chart keeps itself on the canvas (Chart.getChart(canvas)).
      new Chart(canvas, config);
    } catch (err) {
      console.error(`chart ${id} failed: ${err && err.message}`);
      const note = document.createElement('p');
      note.className = 'chart-error';
      note.textContent = `This chart could not be drawn: ${err && err.message}`;
      canvas.replaceWith(note);
    }
  }

  function timeCharts(c) {
    const xs = c.seconds;
    xMax = xs.length === 0 ? undefined : xs[xs.length - 1] + 1;
    const marks = { phases: c.phases, bands: [] };
    const withMarks = (opts) => {
      opts.plugins.nmtMarks = marks;
      return opts;
    };
    draw('chart-throughput', {
      type: 'line',
      data: { datasets: [line('responses/s', xs, c.throughput.responses, 0), line('requests sent/s', xs, c.throughput.requests, 1, { borderDash: [5, 3] })] },
      options: withMarks(baseOptions('per second')),
      plugins: [marksPlugin],
    });
    const latOpts = withMarks(baseOptions('latency, ms (log scale)'));
    latOpts.scales.y = { type: 'logarithmic', title: { display: true, text: 'latency, ms (log scale)' } };
    draw('chart-latency', {
      type: 'line',
      data: {
        datasets: [
          line('p50', xs, c.latencyMs.p50, 0),
          line('p90', xs, c.latencyMs.p90, 1),
          line('p99', xs, c.latencyMs.p99, 2),
          line('max', xs, c.latencyMs.max, 3, { borderDash: [3, 3] }),
        ],
      },
      options: latOpts,
      plugins: [marksPlugin],
    });
    draw('chart-connections', {
      type: 'line',
      data: {
        datasets: [
          line('open', xs, c.connections.open, 0, { borderWidth: 2 }),
          line('established/s', xs, c.connections.established, 1),
          line('failed/s', xs, c.connections.failed, 3),
          line('closed/s', xs, c.connections.closed, 7, { borderDash: [4, 3] }),
        ],
      },
      options: withMarks(baseOptions('connections')),
      plugins: [marksPlugin],
    });
    const errSets = c.errors.length === 0
      ? [{ label: 'errors (none)', data: points(xs, xs.map(() => 0)), backgroundColor: color(7) }]
      : c.errors.map((e, i) => ({ label: e.kind, data: points(xs, e.counts), backgroundColor: color(i + 3) }));
    const errOpts = withMarks(baseOptions('errors per second'));
    errOpts.scales.x.stacked = true;
    errOpts.scales.y.stacked = true;
    draw('chart-errors', { type: 'bar', data: { datasets: errSets }, options: errOpts, plugins: [marksPlugin] });
    if (c.server !== null) {
      const opts = withMarks(baseOptions('RSS, MiB'));
      opts.scales.y1 = { position: 'right', beginAtZero: true, title: { display: true, text: 'CPU, % of one core' }, grid: { drawOnChartArea: false } };
      draw('chart-server', {
        type: 'line',
        data: { datasets: [line('RSS (MiB)', xs, c.server.rssMiB, 0), line('CPU %', xs, c.server.cpuPercent, 2, { yAxisID: 'y1' })] },
        options: opts,
        plugins: [marksPlugin],
      });
    }
    if (c.harness !== null) {
      const h = c.harness;
      const opts = baseOptions('CPU, % of one core');
      opts.plugins.nmtMarks = { phases: c.phases, bands: h.saturatedSeconds };
      opts.scales.y1 = { position: 'right', beginAtZero: true, title: { display: true, text: 'event-loop lag p99, ms' }, grid: { drawOnChartArea: false } };
      const sets = [];
      h.workers.forEach((w, i) => {
        sets.push(line(`worker ${w.worker} CPU %`, xs, w.cpuPercent, i * 2));
        sets.push(line(`worker ${w.worker} lag p99 (ms)`, xs, w.loopP99Ms, i * 2 + 1, { yAxisID: 'y1', borderDash: [5, 3] }));
      });
      sets.push(line(`CPU limit ${h.cpuLimitPercent}%`, xs, xs.map(() => h.cpuLimitPercent), 3, { borderDash: [2, 2], borderWidth: 1 }));
      sets.push(line(`lag limit ${h.lagLimitMs} ms`, xs, xs.map(() => h.lagLimitMs), 6, { yAxisID: 'y1', borderDash: [2, 2], borderWidth: 1 }));
      draw('chart-harness', { type: 'line', data: { datasets: sets }, options: opts, plugins: [marksPlugin] });
    }
  }

  /** 1 → 0%, 10 → 90%, 100 → 99%, 1000 → 99.9% … (labels on powers of ten only). */
  function percentileTick(value) {
    const k = Math.log10(value);
    if (Math.abs(k - Math.round(k)) > 1e-9) return '';
    const nines = Math.round(k);
    return nines === 0 ? '0%' : `${(100 - 100 / 10 ** nines).toFixed(Math.max(0, nines - 2))}%`;
  }

  function curveCharts(curves) {
    curves.forEach((cv, i) => {
      const pts = (list) => list.map((p) => ({ x: p.x, y: p.ms, percentile: p.percentile }));
      draw(`chart-curve-${i}`, {
        type: 'line',
        data: {
          datasets: [
            { label: `${cv.request} corrected`, data: pts(cv.corrected), borderColor: color(0), backgroundColor: color(0), pointRadius: 0, borderWidth: 2, stepped: 'before' },
            { label: `${cv.request} uncorrected`, data: pts(cv.uncorrected), borderColor: color(2), backgroundColor: color(2), pointRadius: 0, borderWidth: 1.5, borderDash: [5, 3], stepped: 'before' },
          ],
        },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          interaction: { mode: 'nearest', axis: 'x', intersect: false },
          plugins: {
            legend: { position: 'bottom' },
            tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${ctx.raw.y.toFixed(3)} ms at ${ctx.raw.percentile.toFixed(4)}%` } },
          },
          scales: {
            x: { type: 'logarithmic', min: 1, title: { display: true, text: 'percentile' }, ticks: { autoSkip: false, maxRotation: 0, callback: percentileTick } },
            y: { beginAtZero: true, title: { display: true, text: 'latency, ms' } },
          },
        },
      });
    });
  }

  function trendCharts(trends) {
    trends.forEach((tr, i) => {
      const labels = tr.points.map((p) => p.label);
      const one = (suffix, label, values, ci, yTitle) =>
        draw(`chart-trend-${i}-${suffix}`, {
          type: 'line',
          data: { labels, datasets: [{ label, data: values, borderColor: color(ci), backgroundColor: color(ci), pointRadius: 3, borderWidth: 1.5, spanGaps: true }] },
          options: {
            animation: false,
            responsive: true,
            maintainAspectRatio: false,
            plugins: { legend: { display: false } },
            scales: { x: { ticks: { maxRotation: 45, autoSkip: true } }, y: { beginAtZero: true, title: { display: true, text: yTitle } } },
          },
        });
      one('rps', 'responses/s', tr.points.map((p) => p.rps), 0, 'per second');
      one('p99', 'latency p99 (ms)', tr.points.map((p) => p.p99Ms), 2, 'ms');
      one('errors', 'errors (% of requests + connection attempts)', tr.points.map((p) => p.errorPercent), 3, '%');
    });
  }

  if (data.kind === 'run') {
    timeCharts(data.charts);
    curveCharts(data.charts.curves);
  } else if (data.kind === 'index') {
    trendCharts(data.trends);
  }
  document.body.setAttribute('data-charts', String(document.querySelectorAll('canvas').length));
})();
