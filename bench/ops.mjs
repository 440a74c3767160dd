// The operations-layer benchmark (campaigns issue, acceptance 6): a workspace with 500
// campaigns, 10 000 deliverables and 200 000 stage runs; "My work" (`GET /api/v1/account/waiting`
// and the inbox the web page reads, `GET /api/v1/account/inbox`) and a campaign board
// (`GET /api/v1/projects/{id}/board`) under 16 concurrent clients, side by side with
// `GET /api/v1/versions/{id}` as the baseline, in alternating rounds of the same run. Round trip
// from the clients and server-side from the server's own request log; medians over rounds.
//
//   make build && node bench/ops.mjs          (results: bench/RESULTS-ops.md)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { api, cleanEnv, client, cpuOf, request, serverTimes, stats, target } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const BIN = resolve(process.env.FRAMEPROOF_BIN ?? join(root, 'target/release/frameproof'));
const RESULTS = resolve(process.env.BENCH_RESULTS ?? join(here, 'RESULTS-ops.md'));
const CAMPAIGNS = Number(process.env.BENCH_CAMPAIGNS ?? 500);
const PER = Number(process.env.BENCH_DELIVERABLES_PER ?? 20);
const RUNS = Number(process.env.BENCH_RUNS_PER ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const EACH = Number(process.env.BENCH_EACH ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const GOAL_MS = 50;
const PASSWORD = 'a long benchmark passphrase';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(...a);
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

/** Starts `frameproof serve` on `dataDir`; keeps its JSON request lines while `srv.capture` is set. */
async function start(dataDir, { wantSetup = false } = {}) {
  const child = spawn(BIN, ['--log-format', 'json', 'serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], {
    env: { ...cleanEnv(), RUST_LOG: 'warn,frameproof_server=info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const srv = { child, pid: child.pid, capture: null, setup: null, tail: [] };
  await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${srv.tail.join('\n')}`)), 30000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      if (srv.capture) srv.capture.push(d);
      if (target.port && srv.ready) return;
      srv.tail.push(d);
      const l = d.match(/listening on (http:\/\/[0-9.:]+)/);
      if (l) {
        const u = new URL(l[1]);
        target.host = u.hostname;
        target.port = Number(u.port);
      }
      const s = d.match(/setup\?token=([A-Za-z0-9_-]+)/);
      if (s) srv.setup = s[1];
      if (target.port && (srv.setup || !wantSetup)) {
        srv.ready = true;
        clearTimeout(timer);
        setTimeout(resolvePromise, 100);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!srv.ready) reject(new Error(`the server exited (${code}):\n${srv.tail.join('')}`));
    });
  });
  return srv;
}

async function stop(srv) {
  const exited = new Promise((r) => srv.child.once('exit', r));
  srv.child.kill('SIGTERM');
  await exited;
  target.port = 0;
}

/** Makes the API-side of the workspace: people, a workflow, one campaign with a deliverable. */
async function build(dataDir) {
  const srv = await start(dataDir, { wantSetup: true });
  const setup = await request(null, 'POST', '/api/v1/setup', {
    body: { token: srv.setup, email: 'me@bench.test', name: 'Bench Producer', password: PASSWORD, workspace_name: 'Bench' },
  });
  if (setup.status !== 201) throw new Error(`setup: ${setup.status} ${setup.text}`);
  const ws = JSON.parse(setup.text).workspace.id;
  const cookie = String([setup.headers['set-cookie']].flat()[0]).split(';')[0];
  const origin = `http://${target.host}:${target.port}`;
  const tok = await api(null, 'POST', '/api/v1/account/tokens', { name: 'bench' }, { headers: { cookie, origin } });
  const me = client(tok.token);
  const meId = (await api(me, 'GET', '/api/v1/account')).user.id;
  const reviewers = [];
  for (let i = 0; i < 20; i++) {
    const inv = await api(me, 'POST', `/api/v1/workspaces/${ws}/invites`, { email: `r${i}@bench.test`, role: 'member' });
    const acc = await request(null, 'POST', '/api/v1/invites/accept', { body: { token: inv.token, name: `Reviewer ${i}`, password: PASSWORD } });
    if (acc.status !== 201) throw new Error(`accept: ${acc.status} ${acc.text}`);
    reviewers.push(JSON.parse(acc.text).user.id);
  }
  const user = (u) => ({ kind: 'user', user_id: u });
  const template = await api(me, 'POST', `/api/v1/workspaces/${ws}/workflow-templates`, {
    name: 'Bench workflow',
    stages: [
      { name: 'Edit', kind: 'work', duration_days: 2 },
      { name: 'Internal review', kind: 'review', reviewers: [user(reviewers[0]), user(reviewers[1])], rule: 'all', duration_days: 1, checklist: [{ text: 'Supers', per: 'reviewer' }] },
      { name: 'Client review', kind: 'review', reviewers: [{ kind: 'guest', email: 'client@bench.test' }, user(reviewers[2])], rule: 'any', duration_days: 2 },
      { name: 'Brand', kind: 'review', reviewers: [user(reviewers[3]), user(reviewers[4])], rule: 'quorum', quorum: 1, duration_days: 1 },
      { name: 'Legal', kind: 'approval', reviewers: [user(reviewers[5])], duration_days: 1 },
      { name: 'Delivery', kind: 'delivery', duration_days: 1 },
    ],
  });
  const project = await api(me, 'POST', '/api/v1/projects', { workspace_id: ws, name: 'Campaign 000' });
  await api(me, 'PATCH', `/api/v1/projects/${project.id}/campaign`, { owner_id: meId });
  await api(me, 'POST', `/api/v1/projects/${project.id}/workflow`, { template_id: template.id });
  await api(me, 'POST', '/api/v1/assets', { folder_id: project.root_folder_id, name: 'Seed deliverable' });
  // The baseline's version: a small still, uploaded in one tus request.
  const png = join(dataDir, '..', 'still.png');
  const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=red:size=64x64', '-frames:v', '1', png]);
  if (made.status !== 0) throw new Error(`ffmpeg: ${made.stderr}`);
  const bytes = readFileSync(png);
  const b64 = (s) => Buffer.from(s).toString('base64');
  const up = await request(me, 'POST', '/api/v1/uploads', {
    raw: bytes,
    headers: {
      'tus-resumable': '1.0.0',
      'upload-length': String(bytes.length),
      'upload-metadata': `filename ${b64('still.png')},filetype ${b64('image/png')},folder_id ${b64(project.root_folder_id)}`,
      'content-type': 'application/offset+octet-stream',
    },
  });
  const version = up.headers['frameproof-version-id'];
  if (up.status !== 201 || !version) throw new Error(`upload: ${up.status} ${up.text}`);
  for (let i = 0; i < 300; i++) {
    const v = await api(me, 'GET', `/api/v1/versions/${version}`);
    if (v.processing_state === 'ready') break;
    await sleep(100);
  }
  await stop(srv);
  return { ws, meId, reviewers, project: project.id, version, token: tok.token };
}

/** `CLIENTS` clients, each making `EACH` requests to `path` one after another. */
async function load(clients, path) {
  const results = await Promise.all(
    clients.map(async (c) => {
      const out = [];
      for (let i = 0; i < EACH; i++) out.push(await request(c, 'GET', path));
      return out;
    }),
  );
  return results.flat();
}

function machine() {
  const cpus = os.cpus();
  const commit = spawnSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  return `${cpus.length} × ${cpus[0]?.model ?? 'CPU'}, ${(os.totalmem() / 1e9).toFixed(1)} GB, commit ${commit}`;
}

const dir = mkdtempSync(join(os.tmpdir(), 'fp-ops-'));
const dataDir = join(dir, 'data');
try {
  log(`building the workspace through the API (${BIN}) …`);
  const w = await build(dataDir);
  log(`growing it: ${CAMPAIGNS} campaigns × ${PER} deliverables × ${RUNS} stage runs …`);
  const t0 = Date.now();
  const hex = (u) => u.replaceAll('-', '');
  const seeded = spawnSync(
    'python3',
    [join(here, 'ops_seed.py'), join(dataDir, 'frameproof.db'), String(CAMPAIGNS), String(PER), String(RUNS), hex(w.meId), w.reviewers.map(hex).join(','), String(Date.now())],
    { encoding: 'utf8' },
  );
  if (seeded.status !== 0) throw new Error(`seeding: ${seeded.stderr}`);
  log(`  ${seeded.stdout.trim()} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  const srv = await start(dataDir);
  const clients = Array.from({ length: CLIENTS }, () => client(w.token));
  const routes = [
    ['baseline: GET /api/v1/versions/{id}', `/api/v1/versions/${w.version}`, '/api/v1/versions/{id}'],
    ['My work: GET /api/v1/account/waiting', '/api/v1/account/waiting', '/api/v1/account/waiting'],
    ['My work page: GET /api/v1/account/inbox', '/api/v1/account/inbox', '/api/v1/account/inbox'],
    ['board: GET /api/v1/projects/{id}/board', `/api/v1/projects/${w.project}/board`, '/api/v1/projects/{id}/board'],
  ];
  const sizes = {};
  for (const [name, path] of routes) {
    const r = await request(clients[0], 'GET', path);
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text.slice(0, 300)}`);
    const body = JSON.parse(r.text);
    sizes[name] = body.items?.length ?? body.waiting?.length ?? body.columns?.reduce((n, c) => n + c.deliverables.length, 0) ?? 1;
    await Promise.all(clients.map((c) => request(c, 'GET', path))); // warm: connections, caches
  }
  const rows = Object.fromEntries(routes.map(([n]) => [n, { rt: [], srv: [], failed: 0, cpu: [] }]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, path, route] of routes) {
      srv.capture = [];
      const cpu0 = cpuOf(srv.pid);
      const t = Date.now();
      const all = await load(clients, path);
      const wall = Date.now() - t;
      await sleep(50);
      const lines = srv.capture;
      srv.capture = null;
      const row = rows[name];
      row.failed += all.filter((r) => r.status !== 200).length;
      row.rt.push(stats(all.map((r) => r.ms)));
      row.srv.push(stats(serverTimes(lines, 'GET', route)));
      row.cpu.push(((cpuOf(srv.pid) - cpu0) * 1000) / all.length);
      log(`  round ${round} ${name}: p50 ${f1(row.rt.at(-1).p50)} ms, p99 ${f1(row.rt.at(-1).p99)} ms (server p99 ${f1(row.srv.at(-1).p99)} ms), ${(all.length / (wall / 1000)).toFixed(0)}/s`);
    }
  }
  await stop(srv);

  const base = median(rows[routes[0][0]].rt.map((s) => s.p99));
  const table = routes.map(([name]) => {
    const r = rows[name];
    const p99 = median(r.rt.map((s) => s.p99));
    const sp99 = median(r.srv.map((s) => s.p99));
    const goal = name.startsWith('baseline') ? '—' : p99 <= GOAL_MS && sp99 <= GOAL_MS ? 'MET' : 'MISSED';
    return `| ${name} | ${sizes[name]} | ${f1(median(r.rt.map((s) => s.p50)))} | ${f1(p99)} | ${r.rt.map((s) => f1(s.p99)).join(', ')} | ${f1(sp99)} | ${f1(p99 / base)} | ${f1(median(r.cpu))} | ${r.failed} | ${goal} |`;
  });
  const md = `# Operations-layer benchmark results

Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`bench/ops.mjs\` on ${machine()}; load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}.

Command (from the repository root, after \`make build\`):

\`\`\`sh
node bench/ops.mjs
\`\`\`

The workspace: one campaign made through the API (a six-stage workflow applied: work, three
review stages with the rules all, any and quorum 1, an approval stage, delivery; one deliverable;
a 64×64 still for the baseline), then copied by \`bench/ops_seed.py\` to ${CAMPAIGNS} campaigns of
${PER} deliverables, each deliverable with ${RUNS} stage runs (all but the last ended, each with
its seats), all of them owned by the caller: ${CAMPAIGNS * PER} deliverables and ${CAMPAIGNS * PER * RUNS}
stage runs. The caller sits on the open run of one deliverable in a hundred; one open run in ten
is past due. ${CLIENTS} clients (one keep-alive connection each, the caller's API token) each
make ${EACH} requests one after another; the four routes alternate, ${ROUNDS} rounds. Times in ms;
the p99 columns are medians over the rounds; "server p99" is the server's own request log.

| route | items answered | p50 | p99 | p99 per round | server p99 | p99 ÷ baseline p99 | server CPU ms per request | failed | goal p99 ≤ ${GOAL_MS} ms |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${table.join('\n')}
`;
  writeFileSync(RESULTS, md);
  log(`\n${md}`);
} finally {
  if (process.env.BENCH_KEEP) log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
