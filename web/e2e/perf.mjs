// The review page with a thousand comments: seeding them through the API, and measuring, in the
// page, how long from the start of navigation until it is interactive.

/** Runs `fn` over `items`, `width` at a time; resolves with the results in order. */
export async function pool(items, width, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}

/**
 * Posts `count` comments on a version (bearer token, 16 at a time on loopback): points and ranges
 * spread over the clip, every tenth with a drawing, every seventh with two replies.
 */
export async function seedComments(base, token, versionId, frameCount, count) {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const post = async (path, body) => {
    const r = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  const t0 = Date.now();
  await pool([...Array(count).keys()], 16, async (i) => {
    const frame = Math.floor((i * (frameCount - 1)) / count);
    const body = {
      body: `Note ${String(i + 1).padStart(4, '0')}: the grade drifts warm on this shot, please match the previous cut.`,
      frame,
      ...(i % 5 === 0 ? { frame_out: Math.min(frameCount - 1, frame + 12) } : {}),
      ...(i % 10 === 0 ? { annotation: { shapes: [{ type: 'rect', color: '#ff3b5c', width: 4, points: [[0.2, 0.2], [0.5, 0.6]] }] } } : {}),
    };
    const c = await post(`/api/v1/versions/${versionId}/comments`, body);
    if (i % 7 === 0) {
      await post(`/api/v1/comments/${c.id}/replies`, { body: 'Agreed, will fix in the next pass.' });
      await post(`/api/v1/comments/${c.id}/replies`, { body: 'Done in v2.' });
    }
  });
  return Date.now() - t0;
}

/** Waits until no version in the project is still processing (every asset's current one). */
export async function waitForIdle(base, token, projectId, timeoutMs = 60000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await fetch(`${base}/api/v1/assets?project=${projectId}&limit=200`, { headers: { authorization: `Bearer ${token}` } });
    if (!r.ok) throw new Error(`listing assets: ${r.status}`);
    const busy = (await r.json()).items.filter((a) => a.current_version && !['ready', 'failed'].includes(a.current_version.processing_state));
    if (!busy.length) return;
    if (Date.now() > until) throw new Error(`still processing: ${busy.map((a) => a.name).join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Opens `url` and answers, in milliseconds since the navigation started (the page's own clock):
 * `ready` when the player shows its first frame and comments are on screen, and `interactive`
 * when, after that, a → key press has moved the player one frame and the picture shows it.
 */
export async function timeToInteractive(page, url) {
  await page.addInitScript(() => {
    const w = window;
    const tc = () => document.querySelector('[data-testid="timecode"]')?.textContent?.trim();
    const check = () => {
      const v = document.querySelector('video');
      if (w.__fpReady === undefined && tc() === '00:00:00:00' && v && v.readyState >= 2 && !v.seeking && document.querySelector('[data-testid="comment"]')) {
        w.__fpReady = performance.now();
      }
      if (w.__fpReady !== undefined && w.__fpStepped === undefined && tc() === '00:00:00:01' && v && !v.seeking && v.readyState >= 2) {
        w.__fpStepped = performance.now();
        return;
      }
      requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__fpReady !== undefined, null, { polling: 'raf', timeout: 30000 });
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => window.__fpStepped !== undefined, null, { polling: 'raf', timeout: 30000 });
  return page.evaluate(() => ({ ready: Math.round(window.__fpReady), interactive: Math.round(window.__fpStepped) }));
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
