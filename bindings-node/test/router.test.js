'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { Router, Sandbox, VibergateError } = require('..')

test('failover on auth, status per provider, no failover on a timeout', async () => {
  const sb = await Sandbox.start({ smsclubRateLimit: 0 })
  const bad = sb.dsn('smsclub').replace('sandbox-token', 'bad-token')
  const router = new Router(`${bad} || ${sb.dsn('decisiontelecom')}`)
  const report = await router.send({ to: ['380989361121', '380989361122'], text: 'Hi' })
  assert.deepEqual(report.accepted.map((a) => a.provider), ['decisiontelecom', 'decisiontelecom'])
  assert.equal(report.attempts[0].error.code, 'auth')
  assert.deepEqual(report.attempts.map((a) => a.requests), [1, 2])
  assert.deepEqual((await router.status(report.accepted)).map((s) => s.state), ['delivered', 'delivered'])
  assert.ok(!String(router).includes('bad-token'))

  const clubSends = () => sb.requests().filter((r) => r.provider === 'smsclub' && r.path === '/vibers/send').length
  const before = clubSends()
  const slow = new Router([sb.dsn('decisiontelecom') + '&timeout_ms=150', sb.dsn('smsclub')])
  sb.inject('latency', { provider: 'decisiontelecom', ms: 500 })
  const uncertain = slow.sendSync({ to: ['380989361123'], text: 'Hi' })
  assert.equal(uncertain.uncertain[0].provider, 'decisiontelecom')
  assert.equal(clubSends(), before, 'SMS Club never saw the uncertain recipient')
  await sb.stop()
})

test('a total failure rejects with every attempt', async () => {
  const sb = await Sandbox.start()
  const router = new Router([sb.dsn('smsclub').replace('sandbox-token', 'bad-token'), sb.dsn('inteltele').replace('sandbox-key', 'bad-key')], { cooldownMs: 0 })
  await assert.rejects(router.send({ to: ['380989361121'], text: 'Hi' }), (e) => {
    assert.ok(e instanceof VibergateError)
    assert.equal(e.code, 'auth')
    assert.deepEqual(e.attempts.map((a) => a.provider), ['smsclub', 'inteltele'])
    return true
  })
  router.resetCooldowns()
  await sb.stop()
})

test('webhook events for SMS.by batches and DecisionTelecom replies', () => {
  const { parseWebhook } = require('..')
  const [accepted] = parseWebhook('smsby', { body: '{"uuid":"3f2a-77","success":"OK"}', contentType: 'application/json' })
  assert.equal(accepted.kind, 'batch_accepted')
  assert.equal(accepted.batchId, '3f2a-77')
  const body = JSON.stringify({ message_token: '5', phone_number: '380989361121', time: '1700000000', message: { text: 'yes', tracking_data: 'tracking_id:100035' } })
  const [reply] = parseWebhook('decisiontelecom', { body, contentType: 'application/json' })
  assert.equal(reply.replyToMessageId, '100035')
  assert.equal(reply.at, '2023-11-14T22:13:20Z')
})
