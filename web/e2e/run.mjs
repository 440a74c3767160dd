// End-to-end: the real `frameproof serve` (debug build) on a free port over a temp data dir,
// driven through the built web app in Debian's headless Chromium with playwright-core.
// Screenshots land in e2e/artifacts/ (not committed).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { median, seedComments, timeToInteractive, waitForIdle } from './perf.mjs';
import { startServer } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

const PASSWORD = 'correct horse battery';
let passed = 0;
let failed = 0;

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`  ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`  FAIL ${name}: ${e?.stack ?? e}`);
    throw e;
  }
}

/** A full-page screenshot taken from the top (so the sticky header sits at the top of it). */
async function shot(p, name) {
  await p.evaluate(() => window.scrollTo(0, 0));
  await p.screenshot({ path: join(artifacts, name), fullPage: true });
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

const server = await startServer();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

try {
  const owner = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await owner.newPage();
  let inviteLink = '';

  await step('set-up link makes the first user the owner', async () => {
    await page.goto(server.setup);
    await page.getByLabel('Your name').fill('Olivia Owner');
    await page.getByLabel('E-mail').fill('olivia@northwind.example');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Workspace name').fill('Northwind Studio');
    await page.getByRole('button', { name: 'Create my workspace' }).click();
    await page.getByRole('heading', { name: 'Northwind Studio' }).waitFor();
    assert(new URL(page.url()).pathname.startsWith('/w/'), `landed on ${page.url()}`);
    await page.getByText('No projects yet').waitFor();
  });

  await step('create a project with a folder and assets', async () => {
    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByLabel('Name').fill('Spring launch');
    await page.getByLabel('Description').fill('Hero film, social cut-downs and banners for the April launch.');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Spring launch' }).waitFor();
    await page.getByRole('button', { name: 'New folder' }).click();
    await page.getByLabel('Name').fill('Social cut-downs');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'Social cut-downs' }).first().waitFor();
    for (const name of ['Hero film 60s', 'Hero film 30s']) {
      await page.getByRole('button', { name: 'New asset' }).click();
      await page.getByLabel('Name').fill(name);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText(name, { exact: true }).waitFor();
    }
    await shot(page, 'project-browser-empty.png');
  });

  await step('upload a clip through the page; it processes live into a playable version with a poster', async () => {
    const clip = join(server.dataDir, 'Hero film 15s.mp4');
    // 6 s at 25 fps: 150 frames, so that the guest can comment at frame 100.
    const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine', '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', clip]);
    assert(made.status === 0, `ffmpeg: ${made.stderr}`);
    await page.getByLabel('Choose files to upload').setInputFiles(clip);
    const panel = page.getByRole('complementary', { name: 'Uploads' });
    await panel.getByText('Uploaded').waitFor({ timeout: 30000 });
    const tile = page.locator('li.tile', { hasText: 'Hero film 15s' });
    await tile.getByText('v1', { exact: true }).waitFor({ timeout: 60000 });
    await tile.locator('img').waitFor();
    // The element may be in the page before its bytes are: wait (up to 10 s) for it to decode.
    const loaded = await tile.locator('img').evaluate(
      (img) =>
        new Promise((done) => {
          const t0 = Date.now();
          const check = () => (img.complete && img.naturalWidth > 0 ? done(true) : Date.now() - t0 > 10000 ? done(false) : setTimeout(check, 50));
          check();
        }),
    );
    assert(loaded, 'the poster image loads');
    await shot(page, 'project-browser-uploaded.png');
  });

  await step('review page: frame-accurate stepping, timecode, and the frame shown is the frame named', async () => {
    await page.getByRole('link', { name: 'Review Hero film 15s' }).click();
    await page.waitForURL(/\/a\//);
    const tc = page.getByTestId('timecode');
    await tc.waitFor();
    await page.locator('video').evaluate((v) => new Promise((r) => (v.readyState >= 2 ? r() : v.addEventListener('loadeddata', r, { once: true }))));
    assert((await tc.innerText()) === '00:00:00:00', `starts at frame 0: ${await tc.innerText()}`);
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    await page.waitForFunction(() => document.querySelector('[data-testid="timecode"]')?.textContent?.trim() === '00:00:00:13');
    // The picture on screen is frame 13: compare it with the server's exact still of 13 and 14.
    const versionId = await page.evaluate(async () => {
      const asset = location.pathname.split('/')[2];
      const r = await fetch(`/api/v1/assets/${asset}/versions`);
      return (await r.json()).items[0].id;
    });
    const diffs = await page.evaluate(async (vid) => {
      const v = document.querySelector('video');
      while (v.seeking || v.readyState < 2) await new Promise((r) => setTimeout(r, 20));
      const w = 160, h = 90;
      const grab = (src) => {
        const c = document.createElement('canvas');
        c.width = w; c.height = h;
        const g = c.getContext('2d');
        g.drawImage(src, 0, 0, w, h);
        return g.getImageData(0, 0, w, h).data;
      };
      const shown = grab(v);
      const still = async (n) => {
        const img = new Image();
        img.src = `/api/v1/versions/${vid}/frames/${n}.jpg`;
        await img.decode();
        return grab(img);
      };
      const diff = (a, b) => { let s = 0; for (let i = 0; i < a.length; i += 4) s += Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]); return s / (a.length / 4); };
      return { same: diff(shown, await still(13)), next: diff(shown, await still(14)), prev: diff(shown, await still(12)) };
    }, versionId);
    assert(diffs.same < diffs.next && diffs.same < diffs.prev, `frame 13 is shown: ${JSON.stringify(diffs)}`);
    // Typing a timecode jumps there.
    await tc.click();
    await page.getByLabel('Go to timecode or frame').fill('00:00:02:05');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid="timecode"]')?.textContent?.trim() === '00:00:02:05');
    await shot(page, 'review-player.png');
  });

  await step('a frame comment with a drawing; clicking it returns to its frame and shows the drawing', async () => {
    await page.keyboard.press('Home');
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelector('[data-testid="timecode"]')?.textContent?.trim() === '00:00:00:05');
    await page.getByLabel('Comment', { exact: true }).fill('Logo too small here');
    assert((await page.getByTestId('pin').innerText()).includes('00:00:00:05'), 'the composer pins the current frame');
    await page.getByRole('button', { name: '✎ Draw' }).click();
    await page.getByRole('button', { name: 'rect', exact: true }).click();
    const area = page.getByLabel('Drawing area');
    const box = await area.boundingBox();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.6, { steps: 5 });
    await page.mouse.up();
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    const item = page.getByTestId('comment').filter({ hasText: 'Logo too small here' });
    await item.waitFor();
    assert((await item.innerText()).includes('00:00:00:05'), 'the comment carries its timecode');
    await page.getByRole('button', { name: /Olivia Owner at 00:00:00:05: Logo too small here/ }).waitFor();
    await page.keyboard.press('End');
    await item.getByRole('button', { name: /Show 00:00:00:05/ }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="timecode"]')?.textContent?.trim() === '00:00:00:05');
    await page.getByRole('img', { name: /Drawing with 1 shape/ }).waitFor();
    await shot(page, 'review-comment.png');
  });

  await step('marker files: export for Resolve, import a CSV (a bad line is named, then a preview), and the printable report', async () => {
    const menu = page.getByText('Markers & report', { exact: true });
    await menu.click();
    await page.getByRole('button', { name: 'Export markers…' }).click();
    const out = page.getByRole('dialog', { name: 'Export markers' });
    await out.getByRole('radio', { name: /DaVinci Resolve EDL/ }).check();
    // A start the rate cannot show is explained before anything is asked of the server.
    await out.getByLabel('Start timecode').fill('01:00:00:30');
    await out.getByText(/frame field must be below 25/).waitFor();
    assert(await out.getByRole('button', { name: 'Download' }).isDisabled(), 'no download with a bad start');
    await out.getByLabel('Start timecode').fill('');
    await page.screenshot({ path: join(artifacts, 'markers-export.png') });
    const [edl] = await Promise.all([page.waitForEvent('download'), out.getByRole('button', { name: 'Download' }).click()]);
    assert(edl.suggestedFilename().endsWith('.edl'), edl.suggestedFilename());
    const text = readFileSync(await edl.path(), 'utf8');
    // Frame 5 counted from the default start, 01:00:00:00, with Resolve's marker fields.
    assert(/01:00:00:05 01:00:00:06/.test(text) && /Logo too small here \|C:ResolveColor\w+ \|M:Olivia Owner \|D:1/.test(text), text);
    await out.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await out.getByRole('button', { name: 'Close', exact: true }).first().click();

    await menu.click();
    await page.getByRole('button', { name: 'Import markers…' }).click();
    const inn = page.getByRole('dialog', { name: 'Import markers' });
    const csv = (body) => ({ name: 'notes from the edit.csv', mimeType: 'text/csv', buffer: Buffer.from(body) });
    await inn.getByLabel('Marker file').setInputFiles(csv('Frame,Text\n12,Sky too bright\n9999,Way past the end\n'));
    await inn.getByRole('button', { name: 'Preview' }).click();
    const refused = inn.getByRole('alert');
    await refused.waitFor();
    assert(/Line 3: frame 9999 is past/.test(await refused.innerText()) && /past-end/.test(await refused.innerText()), await refused.innerText());
    await inn.getByLabel('Marker file').setInputFiles(csv('Frame,Frame Out,Author,Text\n12,,Dana,Sky too bright\n30,40,,Titles overlap here\n'));
    await inn.getByRole('button', { name: 'Preview' }).click();
    const rows = inn.getByTestId('import-row');
    await rows.first().waitFor();
    const shown = await rows.allInnerTexts();
    assert(shown.length === 2 && shown[0].includes('12') && shown[0].includes('[Dana] Sky too bright') && /30.40/.test(shown[1]), shown.join(' | '));
    await page.screenshot({ path: join(artifacts, 'markers-import.png') });
    await inn.getByRole('button', { name: 'Import 2 comments' }).click();
    await inn.getByRole('status').filter({ hasText: 'Created 2 comments' }).waitFor();
    await inn.getByRole('button', { name: 'Close', exact: true }).first().click();
    const imported = page.getByTestId('comment').filter({ hasText: 'Titles overlap here' });
    await imported.waitFor();
    assert((await imported.innerText()).includes('00:00:01:05 → 00:00:01:15'), await imported.innerText());

    await menu.click();
    const [report] = await Promise.all([page.context().waitForEvent('page'), page.getByRole('link', { name: /Printable report/ }).click()]);
    await report.waitForLoadState();
    const printed = await report.locator('body').innerText();
    assert(printed.includes('Logo too small here') && printed.includes('Titles overlap here') && printed.includes('Olivia Owner'), printed.slice(0, 400));
    await report.screenshot({ path: join(artifacts, 'report.png') });
    await report.close();
  });

  let shareUrl = '';
  let guestPage = null;

  await step('share dialog: a password-protected link that lets guests comment; the URL is shown once and copied', async () => {
    // A thread for the team only, which guests must never see (nor export).
    await page.getByLabel('Comment', { exact: true }).fill('Internal: the music licence runs out in May');
    await page.getByLabel('Team only').check();
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    await page.getByTestId('comment').filter({ hasText: 'Internal: the music licence' }).getByText('team', { exact: true }).waitFor();
    await page.getByLabel('Team only').uncheck();
    await owner.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Share' });
    await dialog.getByLabel(/the asset, as new versions arrive/).check();
    await dialog.getByLabel('Title guests see').fill('Hero film 15s for Client Co');
    await dialog.getByLabel('Message').fill('Please check the logo size in the first second.');
    assert(await dialog.getByLabel('Comment, reply and draw').isChecked(), 'guests may comment by default');
    // Without mail on the server, deciding (which proves e-mails with a code) is refused, and said so by the option.
    await dialog.getByLabel('Approve or request changes').check();
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const needsMail = dialog.getByRole('group', { name: 'Guests may' }).getByRole('alert');
    await needsMail.waitFor();
    assert(/needs e-mail/.test(await needsMail.innerText()), await needsMail.innerText());
    await page.screenshot({ path: join(artifacts, 'share-needs-mail.png') });
    await dialog.getByLabel('Approve or request changes').uncheck();
    await needsMail.waitFor({ state: 'detached' });
    await dialog.getByLabel('Ask for a password').check();
    await dialog.getByLabel('Link password').fill('open sesame');
    await dialog.getByLabel('The link stops working on').check();
    await dialog.getByLabel('Expiry hour').selectOption('18');
    await page.locator('dialog[open]').evaluate((d) => d.scrollTo(0, 0));
    await page.screenshot({ path: join(artifacts, 'share-dialog.png') });
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const urlField = dialog.getByLabel('Share link URL');
    await urlField.waitFor();
    shareUrl = await urlField.inputValue();
    assert(/\/s\/[A-Za-z0-9_-]{20,}$/.test(shareUrl), `a share URL: ${shareUrl}`);
    await dialog.getByText('This is the only time Frameproof shows it').waitFor();
    await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
    await dialog.getByRole('button', { name: 'Copied', exact: true }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert(copied === shareUrl, `the clipboard holds the URL: ${copied}`);
    await page.screenshot({ path: join(artifacts, 'share-created.png') });
    await dialog.getByRole('tab', { name: 'Links of this project' }).click();
    const item = dialog.getByTestId('share-link').filter({ hasText: 'Hero film 15s for Client Co' });
    await item.getByText('Active', { exact: true }).waitFor();
    const facts = await item.innerText();
    assert(/password/.test(facts) && /Expires/.test(facts) && /Comment/.test(facts), facts);
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  await step('a guest in a fresh browser: the password (a wrong one is refused), name and e-mail, then the review', async () => {
    const guest = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    guestPage = await guest.newPage();
    const gp = guestPage;
    await gp.goto(shareUrl);
    await gp.getByRole('heading', { name: 'This link has a password' }).waitFor();
    await gp.getByLabel('Password').fill('not it');
    await gp.getByRole('button', { name: 'Continue' }).click();
    const alert = gp.getByRole('alert');
    await alert.waitFor();
    assert(/password is wrong/i.test(await alert.innerText()), await alert.innerText());
    await gp.screenshot({ path: join(artifacts, 'guest-password.png') });
    await gp.getByLabel('Password').fill('open sesame');
    await gp.getByRole('button', { name: 'Continue' }).click();
    await gp.getByLabel('Your name').fill('Gina Guest');
    await gp.getByLabel('E-mail').fill('gina@client.example');
    await gp.getByRole('button', { name: 'Open' }).click();
    await gp.getByTestId('link-name').filter({ hasText: 'Hero film 15s for Client Co' }).waitFor();
    await gp.getByText('Please check the logo size in the first second.').waitFor();
    await gp.getByTestId('timecode').waitFor();
    assert((await gp.getByText('Reviewing as').innerText()).includes('Gina Guest'), 'the guest is named');
    // What the link does not allow is not there: decisions, downloads, sharing, team-only, the trail.
    for (const name of ['Approved', 'Share', 'Audit trail', 'Download', 'New version', 'Choose approvers…']) {
      assert((await gp.getByRole('button', { name, exact: true }).count()) + (await gp.getByRole('link', { name, exact: true }).count()) === 0, `no ${name} for this guest`);
    }
    assert((await gp.getByLabel('Team only').count()) === 0, 'no team-only toggle for guests');
    assert((await gp.getByRole('link', { name: 'Projects' }).count()) === 0, 'no workspace navigation for guests');
    await gp.screenshot({ path: join(artifacts, 'guest-review.png') });
  });

  await step('the guest comments at frame 100; the producer sees it live at 00:00:04:00, under the guest\'s name', async () => {
    const gp = guestPage;
    await gp.locator('video').evaluate((v) => new Promise((r) => (v.readyState >= 2 ? r() : v.addEventListener('loadeddata', r, { once: true }))));
    // Frame 100 at 25 fps: type its timecode, then check the frame number the composer pins.
    await gp.getByTestId('timecode').click();
    await gp.getByLabel('Go to timecode or frame').fill('00:00:04:00');
    await gp.keyboard.press('Enter');
    await gp.waitForFunction(() => document.querySelector('[data-testid="timecode"]')?.textContent?.trim() === '00:00:04:00');
    await gp.getByLabel('Comment', { exact: true }).fill('Can the logo be bigger?');
    const pin = await gp.getByTestId('pin').innerText();
    assert(pin.includes('(frame 100)'), `the composer pins frame 100: ${pin}`);
    await gp.getByRole('button', { name: 'Comment', exact: true }).click();
    const mine = gp.getByTestId('comment').filter({ hasText: 'Can the logo be bigger?' });
    await mine.waitFor();
    const text = await mine.innerText();
    assert(text.includes('00:00:04:00') && /\byou\b/.test(text), `the guest's own comment: ${text}`);
    // The API's `mine`: the guest may edit and delete this one, and not the producer's.
    await mine.getByRole('button', { name: 'Edit' }).waitFor();
    const theirs = gp.getByTestId('comment').filter({ hasText: 'Logo too small here' });
    assert((await theirs.getByRole('button', { name: 'Edit' }).count()) === 0, 'no Edit on the producer\'s comment');
    await gp.screenshot({ path: join(artifacts, 'guest-comment.png') });
    const live = page.getByTestId('comment').filter({ hasText: 'Can the logo be bigger?' });
    await live.waitFor();
    const seen = await live.innerText();
    assert(seen.includes('Gina Guest') && /guest/.test(seen) && seen.includes('00:00:04:00'), `the producer sees it: ${seen}`);
    const stored = await page.evaluate(async () => {
      const asset = location.pathname.split('/')[2];
      const v = (await (await fetch(`/api/v1/assets/${asset}/versions`)).json()).items[0].id;
      const list = await (await fetch(`/api/v1/versions/${v}/comments?limit=200`)).json();
      return list.items.find((c) => c.body === 'Can the logo be bigger?')?.frame;
    });
    assert(stored === 100, `stored at frame ${stored}`);
  });

  await step('a returning guest goes straight in; the guest\'s marker export leaves out the team-only thread', async () => {
    const gp = guestPage;
    await gp.reload();
    await gp.getByTestId('timecode').waitFor();
    assert((await gp.getByLabel('Password').count()) === 0, 'no password asked again');
    await gp.getByText('Markers & report', { exact: true }).click();
    await gp.getByRole('button', { name: 'Export markers…' }).click();
    const out = gp.getByRole('dialog', { name: 'Export markers' });
    await out.getByRole('radio', { name: /CSV spreadsheet/ }).check();
    const [file] = await Promise.all([gp.waitForEvent('download'), out.getByRole('button', { name: 'Download' }).click()]);
    const csv = readFileSync(await file.path(), 'utf8');
    assert(csv.includes('Can the logo be bigger?') && csv.includes('Logo too small here'), csv);
    assert(!csv.includes('Internal: the music licence'), `a guest never gets team-only threads: ${csv}`);
    await out.getByRole('button', { name: 'Close', exact: true }).first().click();
  });

  await step('the access log shows the guest opening the link and commenting', async () => {
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Share' });
    await dialog.getByRole('tab', { name: 'Links of this project' }).click();
    const item = dialog.getByTestId('share-link').filter({ hasText: 'Hero film 15s for Client Co' });
    await item.getByText('Opened 1 time').waitFor();
    await item.getByRole('button', { name: 'Access log' }).click();
    const rows = dialog.getByTestId('access-entry');
    // The asset's name is looked up after the entries arrive.
    await rows.filter({ hasText: 'Commented' }).filter({ hasText: 'Hero film 15s' }).waitFor();
    const log = await rows.allInnerTexts();
    const row = (action) => log.find((r) => r.includes(action)) ?? '';
    assert(row('Opened').includes('Gina Guest') && row('Opened').includes('gina@client.example'), `opened: ${log}`);
    assert(row('Commented').includes('Gina Guest') && row('Commented').includes('Hero film 15s'), `commented: ${log}`);
    assert(row('Wrong password').includes('127.0.0.1'), `the wrong password is logged with the address: ${log}`);
    await page.screenshot({ path: join(artifacts, 'access-log.png') });
    await dialog.getByRole('button', { name: '← All links' }).click();
  });

  await step('revoking the link: the guest\'s next action shows that the link doesn\'t work', async () => {
    const gp = guestPage;
    await gp.getByLabel('Comment', { exact: true }).fill('One more thing');
    const dialog = page.getByRole('dialog', { name: 'Share' });
    const item = dialog.getByTestId('share-link').filter({ hasText: 'Hero film 15s for Client Co' });
    page.once('dialog', (d) => d.accept());
    await item.getByRole('button', { name: 'Revoke…' }).click();
    await item.getByText('Revoked', { exact: true }).waitFor();
    await gp.getByRole('button', { name: 'Comment', exact: true }).click();
    await gp.getByRole('heading', { name: 'This link doesn\'t work' }).waitFor();
    await gp.screenshot({ path: join(artifacts, 'guest-gone.png') });
    await gp.context().close();
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  await step('the asset\'s audit trail lists the guest\'s comment', async () => {
    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.getByRole('heading', { name: 'Audit trail of Hero film 15s' }).waitFor();
    const entry = page.getByTestId('audit-entry').filter({ hasText: 'Can the logo be bigger?' });
    await entry.waitFor();
    const text = await entry.innerText();
    assert(text.includes('Gina Guest') && text.includes('Commented') && /[0-9a-f]{12}…/.test(text), text);
    await shot(page, 'audit.png');
    await page.goBack();
    await page.getByTestId('timecode').waitFor();
  });

  await step('another person\'s comment arrives live; approving and locking seal the version', async () => {
    const asset = new URL(page.url()).pathname.split('/')[2];
    const other = await page.context().newPage();
    await other.goto(`${server.url}/a/${asset}`);
    await other.getByTestId('timecode').waitFor();
    await other.evaluate(async (a) => {
      const v = (await (await fetch(`/api/v1/assets/${a}/versions`)).json()).items[0].id;
      await fetch(`/api/v1/versions/${v}/comments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ body: 'Music too loud at the end', frame: 60 }) });
    }, asset);
    await page.getByTestId('comment').filter({ hasText: 'Music too loud at the end' }).waitFor();
    await other.close();
    await page.getByRole('button', { name: 'Approved', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="review-status"]')?.textContent?.trim() === 'Approved');
    await page.getByRole('button', { name: 'Lock by hand…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Lock by hand' });
    await dialog.getByLabel('Reason (kept in the audit trail)').fill('Client approved on the call');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Approved · locked').waitFor();
    await page.getByText('is approved and locked').waitFor();
    assert((await page.getByLabel('Comment', { exact: true }).count()) === 0, 'a locked version takes no comments');
    await page.getByRole('button', { name: 'Download receipt' }).waitFor();
    await shot(page, 'review-locked.png');
  });

  await step('a new version joins the locked stack; compare plays both frame-locked, side by side and as a wipe', async () => {
    const clip = join(server.dataDir, 'Hero film 15s v2.mp4');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-vf', 'hue=h=90', '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', clip]);
    assert(made.status === 0, `ffmpeg: ${made.stderr}`);
    await page.getByLabel('Choose a new version').setInputFiles(clip);
    const switcher = page.getByTestId('version-switcher');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="version-switcher"] option')].some((o) => o.textContent.startsWith('v2')), null, { timeout: 60000 });
    const options = await switcher.locator('option').allInnerTexts();
    assert(options.some((o) => o.startsWith('v1 · current · locked')), `the locked v1 stays current: ${options}`);
    const v2 = await switcher.locator('option', { hasText: /^v2/ }).getAttribute('value');
    await page.waitForFunction(async (id) => (await (await fetch(`/api/v1/versions/${id}`)).json()).processing_state === 'ready', v2, { timeout: 60000, polling: 250 });
    await page.getByLabel('Compare with').selectOption(v2);
    const videos = page.locator('video');
    await page.waitForFunction(() => {
      const v = document.querySelectorAll('video');
      return v.length === 2 && [...v].every((x) => x.readyState >= 2);
    }, null, { timeout: 60000 });
    await page.keyboard.press('Home');
    for (let i = 0; i < 7; i++) await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelector('[data-testid="timecode"]')?.textContent?.trim() === '00:00:00:07');
    await page.waitForFunction(() => {
      const [a, b] = document.querySelectorAll('video');
      return !a.seeking && !b.seeking && Math.abs(a.currentTime - 0.3) < 0.001 && Math.abs(b.currentTime - 0.3) < 0.001;
    });
    assert((await videos.count()) === 2, 'two players side by side');
    const done = page.getByRole('button', { name: 'Clear finished' });
    if (await done.count()) await done.click();
    await shot(page, 'review-compare.png');
    await page.getByRole('button', { name: 'Wipe' }).click();
    await page.getByLabel('Wipe position').fill('30');
    await page.waitForFunction(() => {
      const w = document.querySelector('video.wipe');
      return w?.style.clipPath.includes('30%') && w.readyState >= 2 && !w.seeking && Math.abs(w.currentTime - 0.3) < 0.001;
    }).catch(async (e) => {
      const state = await page.evaluate(() => {
        const w = document.querySelector('video.wipe');
        return w && { clip: w.style.clipPath, ready: w.readyState, seeking: w.seeking, t: w.currentTime, error: w.error?.message ?? null, network: w.networkState };
      });
      throw new Error(`the wipe shows frame 7: ${JSON.stringify(state)} (${e.message})`);
    });
    await shot(page, 'review-wipe.png');
    await page.getByRole('link', { name: 'Spring launch' }).click();
    await page.getByText('Hero film 30s', { exact: true }).waitFor();
  });

  const media = { png: '', teaser: null };

  await step('upload a still, a two-page PDF, a voice-over and a teaser at once; each processes into its own kind', async () => {
    const dir = server.dataDir;
    media.png = join(dir, 'Key art.png');
    const still = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720', '-frames:v', '1', media.png]);
    assert(still.status === 0, `ffmpeg: ${still.stderr}`);
    const audio = join(dir, 'Voice-over.m4a');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', "aevalsrc='0.8*sin(2*PI*220*t)*abs(sin(PI*t*0.7))':s=44100:d=4", '-c:a', 'aac', audio]);
    assert(made.status === 0, `ffmpeg: ${made.stderr}`);
    const teaser = join(dir, 'Teaser 10s.mp4');
    const clip = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '10', '-c:v', 'libx264', '-preset', 'ultrafast', teaser]);
    assert(clip.status === 0, `ffmpeg: ${clip.stderr}`);
    // Two pages, printed by the same Chromium.
    const pdf = join(dir, 'Script.pdf');
    const printer = await browser.newPage();
    await printer.setContent(`<style>body{font:28px Georgia,serif;margin:0} section{height:100vh;padding:2cm;box-sizing:border-box;page-break-after:always} h1{font-size:54px}</style>
      <section><h1>Spring launch</h1><p>Scene 1. A bright kitchen, morning light.</p><p>VO: Every day starts somewhere.</p></section>
      <section><h1>Scene 2</h1><p>The city at dusk; the logo rises over the skyline.</p><p>VO: Ours starts here.</p></section>`);
    await printer.pdf({ path: pdf, format: 'A5', landscape: true, printBackground: true });
    await printer.close();
    await page.getByLabel('Choose files to upload').setInputFiles([media.png, pdf, audio, teaser]);
    for (const name of ['Key art', 'Script', 'Voice-over', 'Teaser 10s']) {
      await page.locator('li.tile', { hasText: name }).getByText('v1', { exact: true }).waitFor({ timeout: 60000 });
    }
    const kinds = await page.evaluate(async () => {
      const out = {};
      for (const a of document.querySelectorAll('li.tile.asset a.name')) {
        const id = a.getAttribute('href').split('/')[2];
        const v = (await (await fetch(`/api/v1/assets/${id}/versions`)).json()).items[0];
        if (v) out[a.textContent.trim()] = `${v.kind}${v.page_count ? `:${v.page_count}` : ''}`;
      }
      return out;
    });
    assert(kinds['Key art'] === 'image' && kinds['Script'] === 'pdf:2' && kinds['Voice-over'] === 'audio' && kinds['Teaser 10s'] === 'video', JSON.stringify(kinds));
    await page.locator('li.tile', { hasText: 'Script' }).locator('img').waitFor();
    await page.getByRole('complementary', { name: 'Uploads' }).waitFor({ state: 'detached', timeout: 15000 });
    await shot(page, 'project-browser.png');
  });

  await step('an image: a point comment by clicking the picture, zoom with the wheel, pan by dragging', async () => {
    await page.getByRole('link', { name: 'Review Key art' }).click();
    const picture = page.getByRole('img', { name: 'Key art' });
    await picture.locator('img').evaluate((img) => (img.complete ? null : new Promise((r) => img.addEventListener('load', r, { once: true }))));
    let box = await picture.boundingBox();
    await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.4);
    assert((await page.getByTestId('pin').innerText()).includes('the pinned point'), await page.getByTestId('pin').innerText());
    // A drawing on the still, as on a video frame.
    await page.getByRole('button', { name: '✎ Draw' }).click();
    await page.getByRole('button', { name: 'ellipse', exact: true }).click();
    const area = await page.getByLabel('Drawing area').boundingBox();
    await page.mouse.move(area.x + area.width * 0.2, area.y + area.height * 0.3);
    await page.mouse.down();
    await page.mouse.move(area.x + area.width * 0.42, area.y + area.height * 0.52, { steps: 5 });
    await page.mouse.up();
    await page.getByLabel('Comment', { exact: true }).fill('Move the logo a little to the left');
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    const item = page.getByTestId('comment').filter({ hasText: 'Move the logo a little' });
    await item.waitFor();
    assert((await item.innerText()).includes('pin'), await item.innerText());
    const marker = page.getByRole('button', { name: /Olivia Owner: Move the logo a little/ });
    const at = await marker.evaluate((b) => [parseFloat(b.style.left), parseFloat(b.style.top)]);
    assert(Math.abs(at[0] - 30) < 1 && Math.abs(at[1] - 40) < 1, `the pin sits where the picture was clicked: ${at}`);
    await item.getByRole('button', { name: /^Show pin/ }).click();
    await page.getByRole('img', { name: /Drawing with 1 shape/ }).waitFor();
    // Zoom in around the middle, then drag: the picture moves and no new point is pinned.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -120);
    await page.getByText('201%', { exact: true }).waitFor();
    const before = await picture.evaluate((el) => el.style.transform);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 40, { steps: 6 });
    await page.mouse.up();
    const after = await picture.evaluate((el) => el.style.transform);
    assert(before.startsWith('translate(0px, 0px)') && after.startsWith('translate(80px, 40px)'), `${before} → ${after}`);
    assert((await page.locator('.pin.new').count()) === 0, 'dragging does not pin a point');
    await shot(page, 'review-image.png');
    await page.getByRole('button', { name: 'Fit' }).click();
    await page.getByText('100%', { exact: true }).waitFor();
    box = await picture.boundingBox();
    assert(box.width > 300, 'the picture fits again');
  });

  await step('a PDF: page navigation, and a point comment on page 2 that brings its page back', async () => {
    await page.getByRole('link', { name: 'Spring launch' }).click();
    await page.getByRole('link', { name: 'Review Script' }).click();
    await page.getByTestId('page').filter({ hasText: 'Page 1 / 2' }).waitFor();
    assert((await page.getByRole('button', { name: 'Previous page' }).isDisabled()), 'no page before the first');
    const src1 = await page.getByRole('img', { name: 'Script, page 1' }).locator('img').getAttribute('src');
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByTestId('page').filter({ hasText: 'Page 2 / 2' }).waitFor();
    const picture = page.getByRole('img', { name: 'Script, page 2' });
    const img = picture.locator('img');
    const src2 = await img.getAttribute('src');
    assert(src1.includes('page_001') && src2.includes('page_002'), `${src1} / ${src2}`);
    await img.evaluate((i) => (i.complete ? null : new Promise((r) => i.addEventListener('load', r, { once: true }))));
    const box = await picture.boundingBox();
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.25);
    assert((await page.getByTestId('pin').innerText()).includes('page 2, the pinned point'), await page.getByTestId('pin').innerText());
    await page.getByLabel('Comment', { exact: true }).fill('Scene 2 needs the new line from legal');
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    const item = page.getByTestId('comment').filter({ hasText: 'Scene 2 needs the new line' });
    await item.waitFor();
    assert((await item.innerText()).includes('p. 2 · pin'), await item.innerText());
    const pin = page.getByRole('button', { name: /Olivia Owner: Scene 2 needs the new line/ });
    await pin.waitFor();
    await shot(page, 'review-pdf.png');
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByTestId('page').filter({ hasText: 'Page 1 / 2' }).waitFor();
    assert((await pin.count()) === 0, 'page 1 does not show page 2\'s pin');
    await item.getByRole('button', { name: /Show p\. 2/ }).click();
    await page.getByTestId('page').filter({ hasText: 'Page 2 / 2' }).waitFor();
    await pin.waitFor();
  });

  await step('audio: the waveform is drawn, and a comment sits at a millisecond', async () => {
    await page.getByRole('link', { name: 'Spring launch' }).click();
    await page.getByRole('link', { name: 'Review Voice-over' }).click();
    const wave = page.locator('canvas.wave');
    await wave.waitFor();
    const inked = await wave.evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n / (d.length / 4);
    });
    assert(inked > 0.1, `the waveform is drawn (${inked})`);
    await page.locator('.bigwave canvas').waitFor();
    assert((await page.getByRole('button', { name: '✎ Draw' }).count()) === 0, 'nothing to draw on in audio');
    await page.locator('video').evaluate((v) => new Promise((r) => (v.readyState >= 1 ? r() : v.addEventListener('loadedmetadata', r, { once: true }))));
    await page.getByTestId('timecode').click();
    await page.getByLabel('Go to timecode or frame').fill('1234');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid="timecode"]')?.textContent?.trim() === '00:00:01:234');
    assert((await page.getByTestId('pin').innerText()).includes('0:01.234'), await page.getByTestId('pin').innerText());
    await page.getByLabel('Comment', { exact: true }).fill('A breath before "starts"; can it go?');
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    const item = page.getByTestId('comment').filter({ hasText: 'A breath before' });
    // The thread shows the millisecond it is pinned to (waited for: read once, right after the
    // thread appeared, CI once saw it without).
    await item.filter({ hasText: '0:01.234' }).waitFor({ timeout: 10_000 }).catch(async () => assert(false, await item.innerText()));
    const ms = await page.evaluate(async () => {
      const asset = location.pathname.split('/')[2];
      const v = (await (await fetch(`/api/v1/assets/${asset}/versions`)).json()).items[0].id;
      return (await (await fetch(`/api/v1/versions/${v}/comments`)).json()).items[0].ms;
    });
    assert(ms === 1234, `stored at ${ms} ms`);
    await page.getByRole('button', { name: /Olivia Owner at 0:01\.234/ }).waitFor();
    await shot(page, 'review-audio.png');
  });

  await step('upload a folder with sub-folders (picker), and drop one (the drop handler walking directory entries)', async () => {
    await page.getByRole('link', { name: 'Spring launch' }).click();
    await page.getByText('Key art', { exact: true }).waitFor();
    const root = join(server.dataDir, 'picked', 'Dailies');
    mkdirSync(join(root, 'Day 1'), { recursive: true });
    mkdirSync(join(root, 'Day 2'), { recursive: true });
    const png = readFileSync(media.png);
    writeFileSync(join(root, 'Day 1', 'Slate A.png'), png);
    writeFileSync(join(root, 'Day 2', 'Slate B.png'), png);
    writeFileSync(join(root, '.DS_Store'), 'junk');
    await page.getByLabel('Choose a folder to upload').setInputFiles(root);
    await page.getByRole('link', { name: 'Open folder Dailies' }).click();
    await page.getByRole('link', { name: 'Open folder Day 1' }).waitFor();
    await page.getByRole('link', { name: 'Open folder Day 1' }).click();
    await page.getByText('Slate A', { exact: true }).waitFor({ timeout: 30000 });
    assert((await page.getByText('.DS_Store').count()) === 0, 'system clutter stays behind');
    await page.goBack();
    await page.getByRole('link', { name: 'Open folder Day 2' }).click();
    await page.getByText('Slate B', { exact: true }).waitFor({ timeout: 30000 });

    // A drop: Chromium hands the page directory entries (webkitGetAsEntry); a test cannot drag
    // from the desktop, so it gives the same handler entries of the same shape.
    await page.getByRole('link', { name: 'Spring launch' }).click();
    await page.getByText('Key art', { exact: true }).waitFor();
    await page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
      const file = (name) => ({ name, isFile: true, isDirectory: false, file: (ok) => ok(new File([bytes], name, { type: 'image/png' })) });
      const dir = (name, kids) => ({
        name, isFile: false, isDirectory: true,
        createReader: () => { let read = false; return { readEntries: (ok) => { ok(read ? [] : kids); read = true; } }; },
      });
      const tree = dir('Stills', [file('Frame 12.png'), file('Thumbs.db'), dir('Alternates', [file('Frame 12 alt.png')])]);
      const drop = new Event('drop', { bubbles: true, cancelable: true });
      Object.defineProperty(drop, 'dataTransfer', { value: { items: [{ kind: 'file', webkitGetAsEntry: () => tree, getAsFile: () => null }], files: [] } });
      document.querySelector('[aria-label^="Folder contents; drop"]').dispatchEvent(drop);
    }, png.toString('base64'));
    await page.getByRole('link', { name: 'Open folder Stills' }).click();
    await page.getByText('Frame 12', { exact: true }).waitFor({ timeout: 30000 });
    await page.getByRole('link', { name: 'Open folder Alternates' }).click();
    await page.getByText('Frame 12 alt', { exact: true }).waitFor({ timeout: 30000 });
    await page.getByRole('link', { name: 'Spring launch' }).click();
    await page.getByText('Key art', { exact: true }).waitFor();
  });

  await step('a review page with 1 000 comments is interactive in under a second on loopback', async () => {
    const href = await page.getByRole('link', { name: 'Review Teaser 10s' }).getAttribute('href');
    const seed = await page.evaluate(async (a) => {
      const v = (await (await fetch(`/api/v1/assets/${a.split('/')[2]}/versions`)).json()).items[0];
      const t = await fetch('/api/v1/account/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'e2e seeding', expires_in_days: 1 }) });
      return { version: v.id, frames: v.frame_count, token: (await t.json()).token };
    }, href);
    const took = await seedComments(server.url, seed.token, seed.version, seed.frames, 1000);
    // Measured on a quiet machine: the uploads above have finished processing, and no other page
    // of this browser is busy following live events.
    const project = new URL(page.url()).pathname.split('/')[2];
    await waitForIdle(server.url, seed.token, project);
    const back = page.url();
    await page.goto('about:blank');
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const p = await owner.newPage();
      runs.push(await timeToInteractive(p, `${server.url}${href}`));
      if (i === 2) {
        await p.getByText('1000 open · 1000', { exact: true }).waitFor();
        await shot(p, 'review-1000-comments.png');
        // The list lays out a few threads, grows as it scrolls, and reaches a thread chosen on
        // the timeline far down it.
        const list = p.getByRole('region', { name: 'Comments' }).locator('ol');
        const shown = await p.getByTestId('comment').count();
        await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
        await p.waitForFunction((n) => document.querySelectorAll('[data-testid="comment"]').length > n, shown);
        await p.locator('[aria-label="Comments on the timeline"] button').last().click();
        const chosen = p.locator('[data-testid="comment"].selected');
        await chosen.waitFor();
        assert(/Note 09[89]\d/.test(await chosen.innerText()), await chosen.innerText());
        const inView = await chosen.evaluate((el) => {
          const box = el.closest('ol').getBoundingClientRect();
          const r = el.getBoundingClientRect();
          return r.top >= box.top - 1 && r.top < box.bottom;
        });
        assert(inView, 'the chosen thread is scrolled into the list\'s view');
      }
      await p.close();
    }
    const m = median(runs.map((r) => r.interactive));
    console.log(`       1 000 comments seeded in ${took} ms; interactive after ${runs.map((r) => `${r.interactive} ms (first frame and comments at ${r.ready} ms)`).join(', ')}; median ${m} ms`);
    assert(m < 1000, `median time to interactive ${m} ms`);
    await page.goto(back);
    await page.getByText('Key art', { exact: true }).waitFor();
  });

  await step('delete and restore an asset through the trash', async () => {
    const tile = page.locator('li.tile', { hasText: 'Hero film 30s' });
    await tile.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Hero film 30s', { exact: true }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Trash' }).click();
    await page.getByRole('dialog', { name: 'Trash' }).getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('dialog', { name: 'Trash' }).getByText('The trash is empty.').waitFor();
    await page.getByRole('dialog', { name: 'Trash' }).getByRole('button', { name: 'Close' }).click();
    await page.getByText('Hero film 30s', { exact: true }).waitFor();
  });

  await step('invite a reviewer to the project', async () => {
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('link', { name: 'People' }).click();
    await page.getByRole('button', { name: 'Invite people' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite people' });
    await dialog.getByLabel('E-mail').fill('rita@client.example');
    await dialog.getByLabel('Reviewer').check();
    await dialog.getByLabel('Spring launch').check();
    await dialog.getByRole('button', { name: 'Create invitation' }).click();
    inviteLink = await dialog.getByLabel('Invitation link').inputValue();
    assert(inviteLink.includes('/invite?token='), inviteLink);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByText('rita@client.example').waitFor();
    await shot(page, 'people.png');
  });

  await step('the reviewer accepts and sees only the shared project', async () => {
    const rita = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const rp = await rita.newPage();
    await rp.goto(inviteLink);
    await rp.getByRole('heading', { name: 'Join Northwind Studio' }).waitFor();
    await rp.screenshot({ path: join(artifacts, 'invite.png') });
    await rp.getByLabel('Your name').fill('Rita Reviewer');
    await rp.getByLabel('Choose a password').fill(PASSWORD);
    await rp.getByRole('button', { name: 'Accept and join' }).click();
    await rp.getByRole('link', { name: 'Spring launch' }).waitFor();
    assert((await rp.getByRole('button', { name: 'New project' }).count()) === 0, 'a reviewer cannot create projects');
    await rp.getByRole('link', { name: 'Spring launch' }).click();
    await rp.getByText('Hero film 60s', { exact: true }).waitFor();
    assert((await rp.getByRole('button', { name: 'New asset' }).count()) === 0, 'a reviewer cannot create assets');
    await rita.close();
  });

  await step('a wrong password is explained, with the request id', async () => {
    const anon = await browser.newContext();
    const lp = await anon.newPage();
    await lp.goto(`${server.url}/p/anything`);
    await lp.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert(lp.url().includes('next=%2Fp%2Fanything'), `kept the destination: ${lp.url()}`);
    await lp.getByLabel('E-mail').fill('olivia@northwind.example');
    await lp.getByLabel('Password').fill('not the password');
    await lp.getByRole('button', { name: 'Sign in' }).click();
    const alert = lp.getByRole('alert');
    await alert.waitFor();
    const text = await alert.innerText();
    assert(/wrong/i.test(text) && /Request id [0-9a-f]+/.test(text), text);
    await lp.screenshot({ path: join(artifacts, 'sign-in-error.png') });
    await anon.close();
  });

  await step('create an API token on the account page', async () => {
    await page.goto(`${server.url}/account`);
    await page.getByLabel('Name', { exact: true }).nth(1).fill('render farm upload');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.getByLabel('New API token').inputValue();
    assert(token.startsWith('fpt_'), token);
    const r = await fetch(`${server.url}/api/v1/account`, { headers: { authorization: `Bearer ${token}` } });
    assert(r.status === 200, `the token works (${r.status})`);
    await shot(page, 'account.png');
  });

  await step('workspace settings: a time zone that is not one is explained; Europe/Berlin is kept', async () => {
    const ws = await page.evaluate(async () => (await (await fetch('/api/v1/account')).json()).workspaces[0].id);
    await page.goto(`${server.url}/w/${ws}/settings`);
    const zone = page.getByLabel('Time zone');
    assert((await zone.inputValue()) === 'UTC', `a new workspace reads UTC, not ${await zone.inputValue()}`);
    await zone.fill('Mars/Olympus_Mons');
    await page.getByRole('button', { name: 'Save' }).click();
    const refused = page.getByRole('alert');
    await refused.waitFor();
    assert(/not an IANA time zone name/.test(await refused.innerText()), await refused.innerText());
    await zone.fill('europe/berlin');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await page.reload();
    await page.getByLabel('Time zone').waitFor();
    const kept = await page.getByLabel('Time zone').inputValue();
    assert(kept === 'Europe/Berlin', `the canonical name is kept, not ${kept}`);
  });
} catch {
  // reported by step()
} finally {
  await browser.close();
  server.kill();
  server.cleanup();
}

console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
