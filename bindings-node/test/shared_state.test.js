'use strict'
// sharedState: worker threads with their own clients share one account's rate limit through a
// redis-server of this test's own (Debian's redis-server; scripts/test.sh installs it).
const { test } = require('node:test')
const assert = require('node:assert/strict')
const net = require('node:net')
const { spawn } = require('node:child_process')
const { Worker } = require('node:worker_threads')
const { Client, Sandbox, VibergateError } = require('..')

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

/** Resolves once the server answers PING. */
const ping = (port) =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('PING\r\n'))
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString().startsWith('+PONG'))
    })
    socket.once('error', () => resolve(false))
  })

async function startRedis() {
  const port = await freePort()
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const until = Date.now() + 20000
  while (!(await ping(port))) {
    assert.ok(Date.now() < until, 'redis-server did not start')
    await new Promise((r) => setTimeout(r, 20))
  }
  return { url: `redis://127.0.0.1:${port}/0`, stop: () => server.kill('SIGKILL') }
}

const clubSends = (sb) => sb.requests().filter((r) => r.provider === 'smsclub' && r.method === 'POST')

test('worker threads with their own clients share one budget and meet no 429', async () => {
  const redis = await startRedis()
  const sb = await Sandbox.start()
  const dsn = `${sb.dsn('smsclub')}&shared_state=${redis.url}&workers=4`
  // Each thread builds its own client, as a separate process would: one limiter each.
  const source = `
    const { parentPort, workerData } = require('node:worker_threads')
    const { Client } = require(workerData.pkg)
    ;(async () => {
      const client = new Client(workerData.dsn)
      const accepted = []
      for (let i = 0; i < 5; i++) {
        const to = '+38097' + String(workerData.n).padStart(2, '0') + String(i).padStart(3, '0') + '12'
        const report = await client.send({ to: [to], text: 'Hi' })
        accepted.push(...report.accepted.map((a) => a.phone))
      }
      parentPort.postMessage(accepted)
    })()
  `
  const pkg = require.resolve('..')
  const results = await Promise.all(
    [0, 1, 2, 3].map(
      (n) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(source, { eval: true, workerData: { dsn, n, pkg } })
          worker.once('message', resolve)
          worker.once('error', reject)
        }),
    ),
  )
  const accepted = results.flat()
  assert.equal(new Set(accepted).size, 20)
  const sends = clubSends(sb)
  assert.deepEqual(sends.filter((r) => r.status === 429), [])
  assert.equal(sends.length, 20)
  await sb.stop()
  redis.stop()
})

test('an unreachable Redis is one warn record and sends go on; fail rejects with transport', async () => {
  const sb = await Sandbox.start()
  const url = `redis://:hunter2@127.0.0.1:${await freePort()}/0`
  const records = []
  const client = Client.smsclub({ token: 'sandbox-token', baseUrl: sb.baseUrl, sender: 'Shop', sharedState: url, workers: 3, logger: (r) => records.push(r) })
  assert.ok(!String(client.toDsn()).includes('hunter2'))
  for (let i = 0; i < 3; i++) {
    const report = await client.send({ to: [`+380975550${i}12`], text: 'Hi' })
    assert.equal(report.accepted.length, 1)
  }
  // Records of a Promise call arrive on the event loop.
  await new Promise((r) => setImmediate(r))
  const warnings = records.filter((r) => r.level === 'warn')
  assert.equal(warnings.length, 1, JSON.stringify(records.filter((r) => r.notice)))
  assert.equal(warnings[0].notice.warning, true)
  assert.match(warnings[0].message, /unreachable.*3 requests per second/)
  assert.ok(!warnings[0].message.includes('hunter2'))

  const failing = Client.smsclub({ token: 'sandbox-token', baseUrl: sb.baseUrl, sender: 'Shop', sharedState: url, sharedStateFallback: 'fail' })
  const before = clubSends(sb).length
  await assert.rejects(failing.send({ to: ['+380975551112'], text: 'Hi' }), (e) => {
    assert.ok(e instanceof VibergateError)
    assert.equal(e.code, 'transport')
    assert.equal(e.field, 'sharedState')
    return true
  })
  assert.equal(clubSends(sb).length, before, 'nothing was sent')
  await sb.stop()
})
