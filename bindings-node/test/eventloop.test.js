'use strict'
// Sends run on the addon's own threads: the event loop keeps ticking while they are in flight,
// and they overlap, more of them at once than libuv's default pool of 4 threads could run.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { Sandbox } = require('..')

test('20 concurrent sends with 200 ms latency leave the event loop free', async () => {
  const sb = await Sandbox.start()
  const client = sb.client('decisiontelecom')
  sb.inject('latency', { provider: 'decisiontelecom', ms: 200, count: 20 })
  let ticks = 0
  const timer = setInterval(() => ticks++, 10)
  const reports = await Promise.all(Array.from({ length: 20 }, () => client.send({ to: ['972512345678'], text: 'x' })))
  clearInterval(timer)
  assert.ok(reports.every((r) => r.accepted.length === 1))
  assert.ok(ticks >= 10, `the interval ticked ${ticks} times while the sends were in flight`)
  // Every request reached the server before the first one's 200 ms were over: they overlapped.
  const arrivals = sb.requests().map((r) => r.atMs).sort((a, b) => a - b)
  assert.equal(arrivals.length, 20)
  assert.ok(arrivals[19] - arrivals[0] < 200, `arrivals spread over ${arrivals[19] - arrivals[0]} ms`)
  await sb.stop()
})
