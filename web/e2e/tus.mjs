// The real tus-js-client uploads a generated 200 MB file to the real server through a proxy
// that cuts the connection twice mid-way; the stored bytes' SHA-256 must equal the source's.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { admin, startServer } from './server.mjs';

const SIZE = Number(process.env.TUS_TEST_BYTES ?? 200 * 1024 * 1024);
const CUTS = [0.3, 0.65]; // cut the connection when this share of the file has gone through
let passed = 0;
let failed = 0;

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

/** A deterministic, incompressible-looking file and its SHA-256. */
async function makeFile(path) {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const block = Buffer.alloc(1024 * 1024);
  let x = 0x12345678;
  for (let written = 0; written < SIZE; written += block.length) {
    for (let i = 0; i < block.length; i += 4) {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      block.writeUInt32LE(x, i);
    }
    const part = block.subarray(0, Math.min(block.length, SIZE - written));
    hash.update(part);
    if (!out.write(part)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  return hash.digest('hex');
}

/** A TCP proxy that destroys the client's connection once the upload passes each cut point. */
function cuttingProxy(target) {
  const { hostname, port } = new URL(target);
  let total = 0;
  const cuts = CUTS.map((c) => Math.floor(c * SIZE));
  let cutsDone = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    client.on('data', (d) => {
      total += d.length;
      if (cutsDone < cuts.length && total >= cuts[cutsDone]) {
        cutsDone++;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(d);
    });
    upstream.on('data', (d) => client.write(d));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ server, url: `http://127.0.0.1:${server.address().port}`, cutsDone: () => cutsDone })));
}

const work = mkdtempSync(join(tmpdir(), 'fp-tus-'));
const server = await startServer({ dataDir: join(work, 'data') });

try {
  const t0 = Date.now();
  const filePath = join(work, 'source.bin');
  const sourceSha = await makeFile(filePath);
  admin(['create-user', '--data-dir', server.dataDir, '--email', 'ed@example.com', '--password-stdin', '--workspace', 'Editors'], 'correct horse battery\n');
  const token = admin(['create-token', '--data-dir', server.dataDir, '--email', 'ed@example.com']);
  const auth = { authorization: `Bearer ${token}` };
  const ws = await (await fetch(`${server.url}/api/v1/workspaces`, { headers: auth })).json();
  const project = await (
    await fetch(`${server.url}/api/v1/projects`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ workspace_id: ws.items[0].id, name: 'Big files' }),
    })
  ).json();
  const proxy = await cuttingProxy(server.url);

  const result = await new Promise((resolve, reject) => {
    const upload = new tus.Upload(createReadStream(filePath), {
      endpoint: `${proxy.url}/api/v1/uploads`,
      uploadSize: statSync(filePath).size,
      chunkSize: 16 * 1024 * 1024,
      retryDelays: [0, 200, 500, 1000, 2000],
      headers: auth,
      metadata: { filename: 'camera-card.bin', filetype: 'application/octet-stream', folder_id: project.root_folder_id },
      onAfterResponse: (req, res) => {
        const v = res.getHeader('Frameproof-Version-Id');
        if (v) upload._frameproofVersion = v;
      },
      onError: reject,
      onSuccess: () => resolve({ url: upload.url, version: upload._frameproofVersion }),
    });
    upload.start();
  });
  console.log(`  ok   uploaded ${SIZE} bytes through ${proxy.cutsDone()} cut connections (${Date.now() - t0} ms)`);
  check(proxy.cutsDone() === CUTS.length, `the proxy cut ${proxy.cutsDone()} times`);
  passed++;
  check(result.version, 'the last PATCH named the new version');
  const stored = createHash('sha256').update(readFileSync(join(server.dataDir, 'media/originals', result.version))).digest('hex');
  check(stored === sourceSha, `stored ${stored} != source ${sourceSha}`);
  console.log('  ok   the stored bytes have the source SHA-256');
  passed++;
  proxy.server.close();
} catch (e) {
  failed++;
  console.log(`  FAIL ${e?.stack ?? e}\n${server.log().slice(-3000)}`);
} finally {
  server.kill();
  rmSync(work, { recursive: true, force: true });
}
console.log(`tus: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
