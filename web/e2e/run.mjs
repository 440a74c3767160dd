// End-to-end: the real `frameproof serve` (debug build) on a free port over a temp data dir,
// driven through the built web app in Debian's headless Chromium with playwright-core.
// Screenshots land in e2e/artifacts/ (not committed).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
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
    await page.screenshot({ path: join(artifacts, 'project-browser.png'), fullPage: true });
  });

  await step('upload a clip through the page; it processes live into a playable version with a poster', async () => {
    const clip = join(server.dataDir, 'Hero film 15s.mp4');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine', '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', clip]);
    assert(made.status === 0, `ffmpeg: ${made.stderr}`);
    await page.getByLabel('Choose files to upload').setInputFiles(clip);
    const panel = page.getByRole('complementary', { name: 'Uploads' });
    await panel.getByText('Uploaded').waitFor({ timeout: 30000 });
    const tile = page.locator('li.tile', { hasText: 'Hero film 15s' });
    await tile.getByText('v1', { exact: true }).waitFor({ timeout: 60000 });
    await tile.locator('img').waitFor();
    const loaded = await tile.locator('img').evaluate((img) => img.complete && img.naturalWidth > 0);
    assert(loaded, 'the poster image loads');
    await page.screenshot({ path: join(artifacts, 'project-browser-uploaded.png'), fullPage: true });
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
    await page.screenshot({ path: join(artifacts, 'review-player.png'), fullPage: true });
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
    await page.keyboard.press('End');
    await item.getByRole('button', { name: /Show 00:00:00:05/ }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="timecode"]')?.textContent?.trim() === '00:00:00:05');
    await page.getByRole('img', { name: /Drawing with 1 shape/ }).waitFor();
    await page.screenshot({ path: join(artifacts, 'review-comment.png'), fullPage: true });
  });

  let shareUrl = '';
  let guestPage = null;

  await step('share dialog: a password-protected link that lets guests comment; the URL is shown once and copied', async () => {
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

  await step('the guest\'s frame comment reaches the producer live, under the guest\'s name', async () => {
    const gp = guestPage;
    await gp.locator('video').evaluate((v) => new Promise((r) => (v.readyState >= 2 ? r() : v.addEventListener('loadeddata', r, { once: true }))));
    await gp.keyboard.press('Home');
    for (let i = 0; i < 10; i++) await gp.keyboard.press('ArrowRight');
    await gp.waitForFunction(() => document.querySelector('[data-testid="timecode"]')?.textContent?.trim() === '00:00:00:10');
    await gp.getByLabel('Comment', { exact: true }).fill('Can the logo be bigger?');
    await gp.getByRole('button', { name: 'Comment', exact: true }).click();
    const mine = gp.getByTestId('comment').filter({ hasText: 'Can the logo be bigger?' });
    await mine.waitFor();
    const text = await mine.innerText();
    assert(text.includes('00:00:00:10') && /\byou\b/.test(text), `the guest's own comment: ${text}`);
    await gp.screenshot({ path: join(artifacts, 'guest-comment.png') });
    const live = page.getByTestId('comment').filter({ hasText: 'Can the logo be bigger?' });
    await live.waitFor();
    const seen = await live.innerText();
    assert(seen.includes('Gina Guest') && /guest/.test(seen) && seen.includes('00:00:00:10'), `the producer sees it: ${seen}`);
  });

  await step('the access log shows the guest opening the link and commenting', async () => {
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Share' });
    await dialog.getByRole('tab', { name: 'Links of this project' }).click();
    const item = dialog.getByTestId('share-link').filter({ hasText: 'Hero film 15s for Client Co' });
    await item.getByText('Opened 1 time').waitFor();
    await item.getByRole('button', { name: 'Access log' }).click();
    const rows = dialog.getByTestId('access-entry');
    await rows.filter({ hasText: 'Commented' }).waitFor();
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
    await page.screenshot({ path: join(artifacts, 'audit.png'), fullPage: true });
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
    await page.screenshot({ path: join(artifacts, 'review-locked.png'), fullPage: true });
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
    await page.screenshot({ path: join(artifacts, 'review-compare.png'), fullPage: true });
    await page.getByRole('button', { name: 'Wipe' }).click();
    await page.getByLabel('Wipe position').fill('30');
    await page.waitForFunction(() => {
      const w = document.querySelector('video.wipe');
      return w?.style.clipPath.includes('30%') && w.readyState >= 2 && !w.seeking && Math.abs(w.currentTime - 0.3) < 0.001;
    });
    await page.screenshot({ path: join(artifacts, 'review-wipe.png'), fullPage: true });
    await page.getByRole('link', { name: 'Spring launch' }).click();
    await page.getByText('Hero film 30s', { exact: true }).waitFor();
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
    await page.screenshot({ path: join(artifacts, 'people.png'), fullPage: true });
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
    await page.screenshot({ path: join(artifacts, 'account.png'), fullPage: true });
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
