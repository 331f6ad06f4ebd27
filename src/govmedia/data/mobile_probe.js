// The phone measurements of one loaded page, run by collect/browser.py in one page.evaluate.
// Rules follow Lighthouse 11 (notes/checks.md §1): content width = innerWidth vs outerWidth,
// legible text = characters at >= 12 CSS px weighted by line boxes, tap targets = 48 px finger
// with a 25% overlap ratio. Returns plain numbers and short strings only.
(opts) => {
  const FINGER = 48, MAX_OVERLAP = 0.25, MAX_SAMPLES = 5;
  const de = document.documentElement, body = document.body || de;
  const out = {};
  const meta = document.querySelector('meta[name="viewport" i]');
  out.viewport = meta ? (meta.getAttribute('content') || '') : null;
  out.innerWidth = window.innerWidth;
  out.outerWidth = window.outerWidth;
  out.clientWidth = de.clientWidth;
  out.scrollWidth = Math.max(de.scrollWidth, body.scrollWidth);
  out.scale = window.visualViewport ? window.visualViewport.scale : 1;

  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    const cls = (typeof el.className === 'string' ? el.className : '').trim().split(/\s+/);
    for (const c of cls.slice(0, 2)) if (c) s += '.' + c;
    return s;
  };

  // Wide elements: the outermost elements whose right edge passes the phone's window.
  out.wide = [];
  const limit = out.outerWidth + opts.tolerance;
  if (out.innerWidth > limit || out.scrollWidth > out.clientWidth + opts.tolerance) {
    const listed = new Set();
    for (const el of [body, ...body.querySelectorAll('*')]) {
      if (listed.has(el.parentElement)) { listed.add(el); continue; }
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right + window.scrollX > limit) {
        listed.add(el);
        if (out.wide.length < MAX_SAMPLES) out.wide.push(describe(el) + ' ' + Math.round(r.right) + 'px');
      }
    }
  }

  // Text: every rendered text node, weighted by characters x line boxes (Lighthouse's text boxes).
  const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'TITLE']);
  const styles = new Map();
  const styleOf = (el) => {
    let st = styles.get(el);
    if (!st) { st = getComputedStyle(el); styles.set(el, st); }
    return st;
  };
  const range = document.createRange();
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  let total = 0, small = 0;
  const smallBy = new Map();
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!parent || SKIP.has(parent.tagName)) continue;
    const len = Array.from((node.nodeValue || '').trim()).length;
    if (!len) continue;
    range.selectNodeContents(node);
    const boxes = range.getClientRects().length;
    if (!boxes) continue;
    const st = styleOf(parent);
    if (st.visibility === 'hidden') continue;
    const weight = len * boxes, size = parseFloat(st.fontSize);
    total += weight;
    if (size < 12) {
      small += weight;
      const key = describe(parent) + ' ' + size + 'px';
      smallBy.set(key, (smallBy.get(key) || 0) + weight);
    }
  }
  out.textChars = total;
  out.smallChars = small;
  out.smallSamples = [...smallBy.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_SAMPLES)
    .map(([k, n]) => k + ' ×' + n);

  // Tap targets.
  const SELECTOR = 'button,a,input,textarea,select,option,[role=button],[role=checkbox],' +
    '[role=link],[role=menuitem],[role=menuitemcheckbox],[role=menuitemradio],[role=option],' +
    '[role=scrollbar],[role=slider],[role=spinbutton]';
  const plain = (r) => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                         width: r.width, height: r.height});
  const rectsOf = (el) => {
    const rects = Array.from(el.getClientRects(), plain);
    for (const child of el.children) rects.push(...rectsOf(child));
    return rects;
  };
  const inTextBlock = (el) => {
    const display = styleOf(el).display;
    if (display !== 'inline' && display !== 'inline-block') return false;
    const parent = el.parentElement;
    if (!parent) return false;
    if ((parent.textContent || '').length - (el.textContent || '').length >= 5) {
      for (const sib of parent.childNodes) {
        if (sib !== el && sib.nodeType === Node.TEXT_NODE && (sib.textContent || '').trim()) {
          return true;
        }
      }
    }
    return inTextBlock(parent);
  };
  const candidates = [];
  for (const el of document.querySelectorAll(SELECTOR)) {
    if (el.parentElement && el.parentElement.closest(SELECTOR)) continue;
    if (inTextBlock(el)) continue;
    if (!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)) continue;
    candidates.push({el, rects: rectsOf(el)});
  }
  // Fixed and sticky elements must not hide what lies under them at one scroll position.
  const unpinned = [];
  for (const el of body.querySelectorAll('*')) {
    const pos = styleOf(el).position;
    if (pos === 'fixed' || pos === 'sticky') {
      unpinned.push([el, el.style.pointerEvents]);
      el.style.pointerEvents = 'none';
    }
  }
  const onTop = (el, x, y) => {
    const h = window.innerHeight;
    const want = Math.floor(y / h) * h;
    if (window.scrollY !== want) window.scrollTo(0, want);
    const top = document.elementFromPoint(x, y - window.scrollY);
    return top === el || el.contains(top);
  };
  window.scrollTo(0, 0);
  const targets = [];
  for (const {el, rects} of candidates) {
    const visible = rects.filter((r) => r.width !== 0 && r.height !== 0 &&
      onTop(el, r.left + r.width / 2, r.top + r.height / 2));
    if (visible.length) targets.push({el, rects: visible, href: el.href || ''});
  }
  for (const [el, value] of unpinned) el.style.pointerEvents = value;
  window.scrollTo(0, 0);

  const touch = (a, b) => a.left <= b.right && b.left <= a.right && a.top <= b.bottom &&
    b.top <= a.bottom;
  const bounds = (rects, pad) => {
    let l = Infinity, t = Infinity, r = -Infinity, b = -Infinity;
    for (const x of rects) {
      l = Math.min(l, x.left); t = Math.min(t, x.top);
      r = Math.max(r, x.right); b = Math.max(b, x.bottom);
    }
    return {left: l - pad / 2, top: t - pad / 2, right: r + pad / 2, bottom: b + pad / 2,
            width: r - l + pad, height: b - t + pad};
  };
  const contains = (a, b) => b.top >= a.top && b.right <= a.right && b.bottom <= a.bottom &&
    b.left >= a.left;
  const area = (a, b) => {
    const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    return y > 0 && x > 0 ? x * y : 0;
  };
  const near = (a, b) => Math.abs(a - b) <= 10;
  const center = (r) => ({x: r.left + r.width / 2, y: r.top + r.height / 2});
  const hasPoint = (r, p) => r.left <= p.x && r.right >= p.x && r.top <= p.y && r.bottom >= p.y;
  const tappable = (input) => {
    let rects = input.filter((r) => r.width > 1 && r.height > 1);
    rects = rects.filter((r, i) => !rects.some((o, j) => j !== i && contains(o, r) &&
      !(contains(r, o) && j > i)));
    for (let merged = true; merged;) {
      merged = false;
      outer: for (let i = 0; i < rects.length; i++) {
        for (let j = i + 1; j < rects.length; j++) {
          const a = rects[i], b = rects[j];
          const lined = near(a.top, b.top) || near(a.bottom, b.bottom) ||
            near(a.left, b.left) || near(a.right, b.right);
          if (!touch(a, b) || !lined) continue;
          const m = bounds([a, b], 0), c = center(m);
          if (!hasPoint(a, c) && !hasPoint(b, c)) continue;
          rects = rects.filter((x) => x !== a && x !== b).concat([m]);
          merged = true;
          break outer;
        }
      }
    }
    return rects;
  };
  const padded = targets.map((t) => bounds(t.rects, FINGER));
  const failing = new Map();
  targets.forEach((t, i) => {
    if (!t.rects.every((r) => r.width < FINGER || r.height < FINGER)) return;
    const mine = tappable(t.rects);
    targets.forEach((o, j) => {
      if (i === j || !touch(padded[i], padded[j])) return;
      if (t.href && t.href === o.href && /https?:\/\//.test(t.href)) return;
      if (mine.every((a) => o.rects.every((b) => contains(a, b) || contains(b, a)))) return;
      let worst = 0;
      for (const r of mine) {
        const c = center(r);
        const finger = {left: c.x - FINGER / 2, right: c.x + FINGER / 2,
                        top: c.y - FINGER / 2, bottom: c.y + FINGER / 2};
        const own = area(finger, r);
        for (const b of o.rects) {
          const ratio = area(finger, b) / own;
          if (ratio >= MAX_OVERLAP && ratio > worst) worst = ratio;
        }
      }
      if (worst && worst > (failing.get(i)?.ratio || 0)) failing.set(i, {ratio: worst, other: j});
    });
  });
  out.tapTargets = targets.length;
  out.tapFailing = failing.size;
  out.tapSamples = [...failing.entries()].sort((a, b) => b[1].ratio - a[1].ratio)
    .slice(0, MAX_SAMPLES).map(([i, f]) => {
      const r = targets[i].rects.reduce((a, b) => (a.width * a.height >= b.width * b.height ? a : b));
      const label = (el) => describe(el) + '「' + (el.textContent || el.value || '').trim()
        .slice(0, 12) + '」';
      return label(targets[i].el) + ' ' + Math.floor(r.width) + '×' + Math.floor(r.height) +
        ' 与 ' + label(targets[f.other].el) + ' 重叠' + Math.round(f.ratio * 100) + '%';
    });
  return out;
}
