// End-to-end, the operations layer: a producer writes a brief and applies a workflow, a reviewer
// works from "My work", a guest approves in the client stage with the checklist ticked, and the
// board shows the deliverable in Legal. The real `frameproof serve` with mail to a real SMTP
// server (aiosmtpd: the guest's one-time code arrives by mail), the built web app, headless
// Chromium. Screenshots of each page land in e2e/artifacts/.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { root, startServer } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });
const PASSWORD = 'correct horse battery';
let passed = 0;
/** Pages to photograph when a step fails. */
const watched = [];

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`  ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    console.log(`  FAIL ${name}: ${e?.stack ?? e}`);
    for (const [i, p] of watched.entries()) await p.screenshot({ path: join(artifacts, `campaign-failed-${i}.png`), fullPage: true }).catch(() => undefined);
    throw e;
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function shot(p, name) {
  await p.evaluate(() => window.scrollTo(0, 0));
  await p.screenshot({ path: join(artifacts, name), fullPage: true });
}

/** The SMTP sink the Rust mail tests use: resolves { port, mails, next(to, pred), stop() }. */
function startSink() {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(join(root, '.venv-test/bin/python'), [join(root, 'crates/server/tests/it/smtp_sink.py')], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const mails = [];
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (l) => {
      if (l.startsWith('ready ')) {
        resolvePromise({
          port: Number(l.slice(6)),
          mails,
          async next(to, pred, timeout = 20000) {
            const until = Date.now() + timeout;
            while (Date.now() < until) {
              const m = mails.find((x) => x.to.includes(to) && pred(x));
              if (m) return m;
              await new Promise((r) => setTimeout(r, 100));
            }
            throw new Error(`no mail to ${to}: saw ${JSON.stringify(mails.map((m) => [m.to, m.subject]))}`);
          },
          stop: () => child.stdin.end(),
        });
      } else if (l.trim()) {
        mails.push(JSON.parse(l));
      }
    });
    child.on('exit', (code) => reject(new Error(`the SMTP sink exited (${code}); run scripts/setup.sh`)));
  });
}

/** A JSON request from inside the page (same origin, with its cookies). */
async function call(p, method, path, body) {
  return p.evaluate(
    async ([method, path, body]) => {
      const r = await fetch(path, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : null };
    },
    [method, path, body],
  );
}

async function ok(p, method, path, body) {
  const r = await call(p, method, path, body);
  assert(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const sink = await startSink();
const dir = mkdtempSync(join(tmpdir(), 'fp-campaign-'));
const config = join(dir, 'frameproof.toml');
writeFileSync(config, `[mail]\nhost = "127.0.0.1"\nport = ${sink.port}\ntls = "none"\nfrom = "Frameproof <review@frameproof.test>"\n`);
const server = await startServer({ dataDir: join(dir, 'data'), config });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

try {
  const producer = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage();
  const reviewer = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const guest = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  watched.push(producer, reviewer, guest);
  let ws = '';
  let pid = '';
  let asset = '';

  await step('set-up: the producer, a reviewer on the team, a workflow template made in the stage editor', async () => {
    await producer.goto(server.setup);
    await producer.getByLabel('Your name').fill('Paula Producer');
    await producer.getByLabel('E-mail').fill('paula@northwind.example');
    await producer.getByLabel('Password').fill(PASSWORD);
    await producer.getByLabel('Workspace name').fill('Northwind Studio');
    await producer.getByRole('button', { name: 'Create my workspace' }).click();
    await producer.getByRole('heading', { name: 'Northwind Studio' }).waitFor();
    ws = new URL(producer.url()).pathname.split('/')[2];
    const invite = await ok(producer, 'POST', `/api/v1/workspaces/${ws}/invites`, { email: 'rita@northwind.example', role: 'member' });
    await reviewer.goto(`${server.url}/login`);
    await ok(reviewer, 'POST', '/api/v1/invites/accept', { token: invite.token, name: 'Rita Reviewer', password: PASSWORD });
    // The workflow template, built in the stage editor.
    await producer.goto(`${server.url}/w/${ws}/campaign-settings`);
    await producer.getByRole('button', { name: 'New workflow template' }).click();
    await producer.getByLabel('Template name').fill('Video with client and legal');
    const stage = (n) => producer.getByRole('group', { name: `Stage ${n}`, exact: true });
    for (let n = 2; n <= 4; n++) await producer.getByRole('button', { name: 'Add stage' }).click();
    await stage(1).getByLabel('Stage name').fill('Internal review');
    await stage(1).getByLabel('Business days').fill('1');
    await stage(1).getByLabel('Rule').selectOption('any');
    await stage(1).getByRole('button', { name: 'Add reviewer' }).click();
    await stage(1).getByLabel(/^Member/).selectOption({ label: 'Rita Reviewer' });
    await stage(2).getByLabel('Stage name').fill('Client review');
    await stage(2).getByLabel('Rule').selectOption('any');
    await stage(2).getByRole('button', { name: 'Add reviewer' }).click();
    await stage(2).getByLabel('Reviewer type').selectOption('guest');
    await stage(2).getByLabel('Reviewer e-mail').fill('carla@client.example');
    await stage(2).getByRole('button', { name: 'Add checklist item' }).click();
    await stage(2).getByLabel('Checklist item').fill('The logo is on the end card');
    await stage(3).getByLabel('Stage name').fill('Legal');
    await stage(3).getByLabel('Kind').selectOption('approval');
    await stage(3).getByLabel('Business days').fill('1');
    await stage(3).getByRole('button', { name: 'Add reviewer' }).click();
    await stage(3).getByLabel(/^Member/).selectOption({ label: 'Paula Producer' });
    await stage(4).getByLabel('Stage name').fill('Delivery');
    await stage(4).getByLabel('Kind').selectOption('delivery');
    await stage(4).getByLabel('Business days').fill('1');
    await producer.getByRole('button', { name: 'Save workflow template' }).click();
    await producer.getByText('Saved “Video with client and legal”.').waitFor();
    const t = (await ok(producer, 'GET', `/api/v1/workspaces/${ws}/workflow-templates`)).items[0];
    const summary = t.stages.map((s) => `${s.name}/${s.kind}/${s.rule ?? ''}/${(s.reviewers ?? []).length}/${(s.checklist ?? []).length}`);
    assert(
      summary.join(' ') === 'Internal review/review/any/1/0 Client review/review/any/1/1 Legal/approval/all/1/0 Delivery/delivery/all/0/0',
      summary.join(' '),
    );
    await shot(producer, 'campaign-settings.png');
  });

  await step('the producer writes the brief, submits and accepts it, and applies the workflow', async () => {
    pid = (await ok(producer, 'POST', '/api/v1/projects', { workspace_id: ws, name: 'Winter launch' })).id;
    await producer.goto(`${server.url}/p/${pid}/campaign`);
    await producer.getByRole('button', { name: 'Write the brief' }).click();
    await producer.getByLabel('Objective').fill('Launch the winter range');
    // Submitting with required fields empty names them.
    await producer.getByRole('button', { name: 'Submit brief' }).click();
    const alert = producer.getByRole('alert');
    await alert.waitFor();
    assert(/Audience/.test(await alert.innerText()), await alert.innerText());
    await producer.getByLabel('Audience').fill('Families in the UK');
    await producer.getByLabel('Key message').fill('Warm for less');
    await producer.getByLabel('Deliverable', { exact: true }).fill('Hero 30s');
    await producer.getByLabel('Spec', { exact: true }).fill('16:9 1920×1080');
    await producer.getByLabel('Channel', { exact: true }).fill('TV');
    await producer.getByRole('button', { name: 'Submit brief' }).click();
    await producer.getByTestId('brief-state').filter({ hasText: 'submitted' }).waitFor();
    await producer.getByRole('button', { name: 'Accept brief' }).click();
    await producer.getByTestId('brief-state').filter({ hasText: 'accepted' }).waitFor();
    await producer.getByLabel('Workflow template').selectOption({ label: 'Video with client and legal' });
    await producer.getByRole('button', { name: 'Apply workflow' }).click();
    await producer.getByRole('listitem', { name: 'Stage Internal review' }).waitFor();
    await shot(producer, 'campaign-brief.png');
  });

  await step('a cut arrives: the deliverable enters Internal review and waits on Rita', async () => {
    const project = await ok(producer, 'GET', `/api/v1/projects/${pid}`);
    await producer.goto(`${server.url}/p/${pid}`);
    const still = join(dir, 'Hero 30s.png');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360', '-frames:v', '1', still]);
    assert(made.status === 0, `ffmpeg: ${made.stderr}`);
    assert(project.root_folder_id, 'the project has a root folder');
    await producer.getByLabel('Choose files to upload').setInputFiles(still);
    await producer.getByRole('complementary', { name: 'Uploads' }).getByText('Uploaded').waitFor({ timeout: 30000 });
    await producer.waitForFunction(
      async (pid) => {
        const b = await (await fetch(`/api/v1/projects/${pid}/board`)).json();
        return b.columns?.[0]?.deliverables?.length === 1 && b.columns[0].deliverables[0].run;
      },
      pid,
      { timeout: 60000, polling: 250 },
    );
    asset = (await ok(producer, 'GET', `/api/v1/projects/${pid}/board`)).columns[0].deliverables[0].asset_id;
  });

  await step('Rita works from "My work": opens the deliverable and approves it', async () => {
    await reviewer.goto(`${server.url}/work`);
    const item = reviewer.getByTestId('waiting').filter({ hasText: 'Hero 30s' });
    await item.waitFor();
    assert(/Internal review/.test(await item.innerText()), await item.innerText());
    await reviewer.getByRole('link', { name: /My work/ }).locator('.badge').waitFor();
    await shot(reviewer, 'my-work.png');
    await item.getByRole('link', { name: 'Hero 30s' }).click();
    const panel = reviewer.getByTestId('stage-panel');
    await panel.getByText('Internal review').waitFor();
    await panel.getByText('Rita Reviewer').waitFor();
    await reviewer.getByText(/Brief · revision 1/).waitFor();
    await shot(reviewer, 'review-stage.png');
    await reviewer.getByRole('button', { name: 'Approved', exact: true }).click();
    await producer.waitForFunction(
      async (asset) => (await (await fetch(`/api/v1/assets/${asset}/deliverable`)).json()).stage === 'Client review',
      asset,
      { timeout: 20000, polling: 250 },
    );
  });

  await step('the client approves in Client review through a share link, after ticking the checklist', async () => {
    const link = await ok(producer, 'POST', '/api/v1/share-links', {
      asset_id: asset,
      name: 'Hero 30s for the client',
      permissions: { comment: true, decide: true },
      show_brief: true,
    });
    await guest.goto(link.url);
    await guest.getByLabel('Your name').fill('Carla Client');
    await guest.getByLabel('E-mail').fill('carla@client.example');
    await guest.getByRole('button', { name: 'Send me a code' }).click();
    const mail = await sink.next('carla@client.example', (m) => /Your Frameproof code/.test(m.subject));
    const code = mail.subject.match(/(\d{6})/)[1];
    await guest.getByLabel('Six-digit code').fill(code);
    await guest.getByRole('button', { name: 'Open' }).click();
    const panel = guest.getByTestId('stage-panel');
    await panel.getByText('Client review').waitFor({ timeout: 20000 });
    // The link shows the brief beside the player.
    await guest.getByText(/Brief · revision 1 \(accepted\)/).waitFor();
    const approve = guest.getByRole('button', { name: 'Approved', exact: true });
    await approve.waitFor();
    assert(await approve.isDisabled(), 'Approve waits for the checklist');
    await guest.getByText('Tick your items before approving.').waitFor();
    await shot(guest, 'guest-checklist.png');
    await panel.getByLabel('The logo is on the end card').check();
    await guest.waitForFunction(() => {
      const b = [...document.querySelectorAll('button')].find((x) => x.textContent?.trim() === 'Approved');
      return b && !b.disabled;
    });
    await approve.click();
    await producer.waitForFunction(
      async (asset) => (await (await fetch(`/api/v1/assets/${asset}/deliverable`)).json()).stage === 'Legal',
      asset,
      { timeout: 20000, polling: 250 },
    );
    await shot(guest, 'guest-approved.png');
  });

  await step('the board shows the deliverable in Legal, waiting on the producer', async () => {
    await producer.goto(`${server.url}/p/${pid}/campaign`);
    const legal = producer.getByRole('listitem', { name: 'Stage Legal' });
    const card = legal.getByTestId('deliverable').filter({ hasText: 'Hero 30s' });
    await card.waitFor();
    assert(/Waiting on Paula Producer/.test(await card.innerText()), await card.innerText());
    assert((await producer.getByRole('listitem', { name: 'Stage Client review' }).getByTestId('deliverable').count()) === 0, 'it left Client review');
    const runs = await ok(producer, 'GET', `/api/v1/assets/${asset}/stage-runs`);
    const summary = runs.items.map((r) => `${r.stage}:${r.outcome ?? 'open'}`).join(' ');
    assert(summary === 'Internal review:passed Client review:passed Legal:open', summary);
    await shot(producer, 'campaign-board.png');
  });

  await step('a requester without an account asks through an intake link; the producer accepts the request', async () => {
    await producer.goto(`${server.url}/w/${ws}/campaign-settings`);
    await producer.getByLabel('Link name').fill('Client requests');
    await producer.getByRole('button', { name: 'Create intake link' }).click();
    const url = await producer.getByRole('textbox', { name: 'Intake link' }).inputValue();
    assert(url.startsWith(`${server.url}/intake/`), url);
    const requester = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    watched.push(requester);
    await requester.goto(url);
    await requester.getByRole('heading', { name: 'Northwind Studio: Client requests' }).waitFor();
    await requester.getByLabel('Your name').fill('Carla Client');
    await requester.getByLabel('Your e-mail').fill('carla@client.example');
    await requester.getByLabel('Campaign name').fill('Spring sale');
    await requester.getByLabel('Objective').fill('Sell the spring range');
    await requester.getByRole('button', { name: 'Send the request' }).click();
    // Required fields left empty are named, and nothing is made.
    await requester.getByRole('alert').waitFor();
    assert(/Audience/.test(await requester.getByRole('alert').innerText()), 'the missing fields are named');
    await requester.getByLabel('Audience').fill('Shoppers');
    await requester.getByLabel('Key message').fill('Fresh for less');
    await requester.getByLabel('Deliverable', { exact: true }).fill('Banner 300×250');
    await requester.getByRole('button', { name: 'Send the request' }).click();
    await requester.getByTestId('intake-done').waitFor();
    await shot(requester, 'intake-link.png');
    await sink.next('paula@northwind.example', (m) => m.subject === 'New campaign request: Spring sale');
    const pending = (await ok(producer, 'GET', `/api/v1/workspaces/${ws}/requests?state=requested`)).items;
    assert(pending.length === 1 && pending[0].requester.email === 'carla@client.example', JSON.stringify(pending));
    await producer.goto(`${server.url}/p/${pending[0].project_id}/campaign`);
    await producer.getByRole('heading', { name: 'Request from Carla Client' }).waitFor();
    await producer.getByTestId('brief-state').filter({ hasText: 'submitted' }).waitFor();
    await shot(producer, 'campaign-request.png');
    await producer.getByRole('button', { name: 'Accept request' }).click();
    await producer.getByRole('listitem', { name: 'Stage Internal review' }).waitFor();
    await producer.getByTestId('brief-state').filter({ hasText: 'accepted' }).waitFor();
    await sink.next('carla@client.example', (m) => m.subject === 'Accepted: Spring sale');
  });

  console.log(`campaign e2e: ${passed} steps passed`);
} finally {
  await browser.close();
  server.kill();
  sink.stop();
}
