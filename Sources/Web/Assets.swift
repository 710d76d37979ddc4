/// The station's only stylesheet and script, served from `/static/` so the CSP can forbid
/// inline code. Plain JavaScript, no framework: keyboard navigation, the live list, the map
/// layer controls and the mask canvas.
enum Assets {
    static let css = """
        :root { color-scheme: dark; --bg: #111317; --panel: #1b1e23; --text: #e6e6e6; --dim: #9aa0a6; --accent: #4a90d9; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--text); }
        header { display: flex; align-items: center; gap: 24px; padding: 8px 16px; background: var(--panel); border-bottom: 1px solid #2a2e35; }
        header nav a { margin-right: 14px; color: var(--dim); text-decoration: none; }
        header nav a.active, header nav a:hover { color: var(--text); border-bottom: 2px solid var(--accent); }
        .brand { font-size: 16px; } .account { margin-left: auto; } .inline { display: inline; }
        main { padding: 12px 16px; }
        a { color: #8cc4ff; } h1 { font-size: 20px; margin: 4px 0 12px; } h2 { font-size: 16px; margin: 12px 0 6px; }
        h3 { font-size: 14px; color: var(--dim); margin: 10px 0 4px; }
        button, .button { background: #2b3340; color: var(--text); border: 1px solid #3d4654; border-radius: 4px; padding: 4px 10px; cursor: pointer; text-decoration: none; }
        button:hover, .button:hover { border-color: var(--accent); }
        input, select { background: #0d0f12; color: var(--text); border: 1px solid #3d4654; border-radius: 3px; padding: 3px 5px; }
        .filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; background: var(--panel); padding: 8px; border-radius: 4px; }
        .filters fieldset { border: 0; padding: 0; margin: 0; display: flex; gap: 6px; } .filters legend { float: left; margin-right: 6px; }
        .summary, .hint { color: var(--dim); }
        table { border-collapse: collapse; } th, td { padding: 3px 8px; text-align: left; border-bottom: 1px solid #262a31; }
        table.verdicts { width: 100%; } table.verdicts tr:hover, table.verdicts tr.selected { background: #232a35; }
        table.verdicts tr.selected { outline: 1px solid var(--accent); } table.verdicts tr.fresh { background: #1f3324; }
        img.thumb { display: block; height: 48px; width: auto; border-radius: 2px; }
        .verdict { padding: 1px 6px; border-radius: 3px; font-weight: 600; }
        .verdict.pass { background: #1f4d2c; } .verdict.review { background: #6b4f12; } .verdict.fail { background: #6e1f1f; }
        .verdict.error, .verdict.queued, .verdict.processing { background: #444; }
        .strip { background: var(--panel); padding: 6px 10px; border-radius: 4px; margin-bottom: 10px; }
        .strip h2 { margin: 0 0 4px; font-size: 13px; color: var(--dim); }
        .strip-row { display: flex; align-items: center; gap: 12px; margin: 3px 0; }
        .strip-row .station { width: 120px; font-weight: 600; } .strip-row .counts { color: var(--dim); }
        .pager a { margin-right: 16px; }
        .detail-grid { display: flex; gap: 16px; align-items: flex-start; flex-wrap: wrap; }
        .viewer { flex: 1 1 640px; min-width: 320px; }
        .stack { position: relative; display: block; width: 100%; line-height: 0; background: #000; }
        .stack img#original { width: 100%; height: auto; display: block; }
        .stack .layer, .stack canvas.mask { position: absolute; left: 0; top: 0; width: 100%; height: 100%; }
        .stack .layer { opacity: 0.55; pointer-events: none; mix-blend-mode: normal; }
        .stack canvas.mask { cursor: crosshair; touch-action: none; }
        .layer.hidden { display: none; }
        .map-controls { display: flex; gap: 16px; align-items: center; margin-top: 6px; }
        .legend-text { fill: var(--text); font-size: 11px; }
        .side { flex: 0 1 460px; }
        .tools label, .kinds label { white-space: nowrap; }
        .label-box form { display: flex; flex-direction: column; gap: 8px; background: var(--panel); padding: 10px; border-radius: 4px; }
        .kinds, .tools { display: flex; gap: 14px; align-items: center; }
        table.fields th { color: var(--dim); font-weight: normal; width: 180px; } table.fields td { word-break: break-all; }
        tr.superseded { color: var(--dim); text-decoration: line-through; }
        .error { color: #ff8a80; } .tier { color: var(--dim); }
        .chart .axis { fill: var(--dim); font-size: 10px; }
        .key { padding: 0 6px; border-radius: 3px; } .key.pass { background: #2e9d4f; } .key.review { background: #e0a020; color: #000; }
        .key.fail { background: #c93535; } .key.error { background: #777; } .key.yield { border: 1px solid #9fd3ff; }
        .switch a.active { font-weight: 700; }
        table.versions tr.active { background: #1f3324; }
        .login { display: flex; flex-direction: column; gap: 8px; max-width: 320px; }
        """

    static let javascript = """
        'use strict';
        (function () {
          function typing(event) {
            const t = event.target;
            return t && (t.tagName === 'INPUT' && t.type === 'text' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.type === 'password');
          }

          // ---- verdict list: keyboard, row clicks, live feed ----
          const table = document.getElementById('verdicts');
          if (table) {
            let selected = -1;
            const rows = () => Array.from(table.tBodies[0].rows);
            function select(index) {
              const all = rows();
              if (!all.length) return;
              selected = Math.max(0, Math.min(index, all.length - 1));
              all.forEach((row, i) => row.classList.toggle('selected', i === selected));
              all[selected].scrollIntoView({ block: 'nearest' });
            }
            table.addEventListener('click', (event) => {
              const row = event.target.closest('tr[data-href]');
              if (row && event.target.tagName !== 'A') window.location = row.dataset.href;
            });
            document.addEventListener('keydown', (event) => {
              if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
              if (event.key === 'j') select(selected + 1);
              else if (event.key === 'k') select(selected - 1);
              else if (event.key === 'Enter' && selected >= 0) window.location = rows()[selected].dataset.href;
              else if (event.key === 'n') { const a = document.querySelector('a[rel=next]'); if (a) window.location = a.href; }
              else if (event.key === 'p') { const a = document.querySelector('a[rel=prev]'); if (a) window.location = a.href; }
            });
            if (table.dataset.live && window.EventSource) {
              const source = new EventSource(table.dataset.live);
              source.addEventListener('verdict', (event) => {
                const body = table.tBodies[0];
                body.insertAdjacentHTML('afterbegin', event.data);
                body.rows[0].classList.add('fresh');
                if (selected >= 0) selected += 1;
                while (body.rows.length > 500) body.deleteRow(body.rows.length - 1);
              });
              source.addEventListener('strip', (event) => {
                const strip = document.getElementById('yield-strip');
                if (strip) strip.outerHTML = event.data;
              });
            }
          }

          // ---- one image: map layer, mask canvas, labelling keys ----
          const original = document.getElementById('original');
          const canvas = document.getElementById('mask');
          if (!original || !canvas) return;
          const layer = document.getElementById('layer');
          const showMap = document.getElementById('show-map');
          const opacity = document.getElementById('opacity');
          function applyLayer() {
            if (!layer) return;
            layer.classList.toggle('hidden', showMap && !showMap.checked);
            if (opacity) layer.style.opacity = String(opacity.value / 100);
          }
          if (showMap) showMap.addEventListener('change', applyLayer);
          if (opacity) opacity.addEventListener('input', applyLayer);

          let mask = null, image = null, context = null, painted = false;
          function setup() {
            const w = original.naturalWidth, h = original.naturalHeight;
            if (!w || !h) return;
            canvas.width = w; canvas.height = h;
            context = canvas.getContext('2d');
            mask = new Uint8Array(w * h);
            image = context.createImageData(w, h);
            applyLayer();
          }
          if (original.complete) setup(); else original.addEventListener('load', setup);

          const form = document.getElementById('label-form');
          const size = document.getElementById('brush-size');
          const eraser = document.getElementById('tool-eraser');
          // One disc of the brush, painted straight into the binary mask (no anti-aliasing,
          // so the saved PNG holds only 0 and 255, which is what the store accepts).
          function stamp(cx, cy) {
            const w = canvas.width, h = canvas.height;
            const r = Math.max(1, Number(size ? size.value : 12) * w / Math.max(canvas.clientWidth, 1) / 2);
            const value = eraser && eraser.checked ? 0 : 1;
            const x0 = Math.max(0, Math.floor(cx - r)), x1 = Math.min(w - 1, Math.ceil(cx + r));
            const y0 = Math.max(0, Math.floor(cy - r)), y1 = Math.min(h - 1, Math.ceil(cy + r));
            for (let y = y0; y <= y1; y++) {
              for (let x = x0; x <= x1; x++) {
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) > r * r) continue;
                const i = y * w + x;
                mask[i] = value;
                image.data[4 * i] = 255; image.data[4 * i + 1] = 40; image.data[4 * i + 2] = 200;
                image.data[4 * i + 3] = value ? 150 : 0;
              }
            }
            context.putImageData(image, 0, 0, x0, y0, x1 - x0 + 1, y1 - y0 + 1);
            if (value) painted = true;
          }
          function point(event) {
            const rect = canvas.getBoundingClientRect();
            return [(event.clientX - rect.left) * canvas.width / rect.width, (event.clientY - rect.top) * canvas.height / rect.height];
          }
          let last = null;
          canvas.addEventListener('pointerdown', (event) => {
            if (!mask || !form) return;
            canvas.setPointerCapture(event.pointerId);
            last = point(event);
            stamp(last[0], last[1]);
            const defect = form.querySelector('input[name=kind][value=defect]');
            if (defect && !eraser.checked) defect.checked = true;
          });
          canvas.addEventListener('pointermove', (event) => {
            if (!last) return;
            const p = point(event);
            const steps = Math.max(1, Math.ceil(Math.hypot(p[0] - last[0], p[1] - last[1]) / 2));
            for (let s = 1; s <= steps; s++) stamp(last[0] + (p[0] - last[0]) * s / steps, last[1] + (p[1] - last[1]) * s / steps);
            last = p;
          });
          const stop = () => { last = null; };
          canvas.addEventListener('pointerup', stop);
          canvas.addEventListener('pointercancel', stop);
          const clear = document.getElementById('clear-mask');
          if (clear) clear.addEventListener('click', () => {
            if (!mask) return;
            mask.fill(0); image.data.fill(0); context.putImageData(image, 0, 0); painted = false;
          });

          // The mask as a PNG of exactly the image's size: black, and white where painted.
          function maskDataURL() {
            const out = document.createElement('canvas');
            out.width = canvas.width; out.height = canvas.height;
            const c = out.getContext('2d');
            const data = c.createImageData(out.width, out.height);
            for (let i = 0; i < mask.length; i++) {
              const v = mask[i] ? 255 : 0;
              data.data[4 * i] = v; data.data[4 * i + 1] = v; data.data[4 * i + 2] = v; data.data[4 * i + 3] = 255;
            }
            c.putImageData(data, 0, 0);
            return out.toDataURL('image/png');
          }
          if (form) form.addEventListener('submit', () => {
            const kind = form.querySelector('input[name=kind]:checked');
            const field = document.getElementById('mask-data');
            field.value = (kind && kind.value === 'defect' && painted && mask && mask.some((v) => v)) ? maskDataURL() : '';
          });

          document.addEventListener('keydown', (event) => {
            if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
            const key = event.key;
            if (key === 'm' && showMap) { showMap.checked = !showMap.checked; applyLayer(); return; }
            if (!form) return;
            const pick = (value) => { const r = form.querySelector('input[name=kind][value=' + value + ']'); if (r) r.checked = true; };
            if (key === 'g') { pick('good'); form.requestSubmit(); }
            else if (key === 'd') pick('defect');
            else if (key === 'b') document.getElementById('tool-brush').checked = true;
            else if (key === 'e') eraser.checked = true;
            else if (key === 's' || key === 'Enter') form.requestSubmit();
            else if (key === 'n') { const skip = document.getElementById('skip'); if (skip) window.location = skip.href; }
            else if (/^[1-9]$/.test(key)) {
              const select = document.getElementById('class');
              if (select && select.options.length > Number(key)) { select.selectedIndex = Number(key); pick('defect'); }
            }
          });
        })();
        """
}
