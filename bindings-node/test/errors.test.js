'use strict'
// Every error code from a real provider error or a real validation failure.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { Client, Sandbox, VibergateError } = require('..')

let sb
before(async () => {
  sb = await Sandbox.start({ smsclubRateLimit: 0 })
})
after(() => sb.stop())

async function rejects(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof VibergateError, `not a VibergateError: ${e}`)
    assert.ok(e instanceof Error)
    assert.equal(e.code, code, e.message)
    return true
  })
}

test('async methods reject, never throw synchronously', async () => {
  const client = new Client(sb.dsn('smsclub'))
  let promise
  assert.doesNotThrow(() => {
    promise = client.send({ to: ['380989361121'], text: 'x'.repeat(1001) })
  })
  await rejects(promise, 'invalid_message')
  await promise.catch((e) => assert.equal(e.field, 'text'))
  await rejects(client.send({ to: ['380989361121'], txt: 'typo' }), 'invalid_message')
})

test('configuration and validation errors', async () => {
  assert.throws(() => new Client('smsclub://SECRET@default?colour=red'), (e) => e instanceof VibergateError && e.code === 'invalid_config' && e.field === 'colour' && !e.message.includes('SECRET'))
  assert.throws(() => Client.smsclub({ token: 't', colour: 'red' }), { code: 'invalid_config' })
  const client = new Client(sb.dsn('smsclub'))
  await rejects(client.send({ to: ['12'], text: 'x' }), 'no_valid_recipients')
  await client.send({ to: ['12'], text: 'x' }).catch((e) => assert.equal(e.rejected[0].reason, 'invalid_number'))
  await rejects(client.balance(), 'unsupported')
  await rejects(client.send({ to: ['380989361121'], text: 'x', callbackUrl: 'https://x.example/cb' }), 'unsupported')
  assert.throws(() => client.sendSync({ to: ['380989361121'], text: 'x', label: 'l' }), { code: 'unsupported' })
})

test('provider errors carry their details', async () => {
  const bad = (provider, secret) => new Client(sb.dsn(provider).replace(secret, 'bad-' + secret))
  await bad('smsclub', 'sandbox-token').send({ to: ['380989361121'], text: 'x' }).then(
    () => assert.fail('no error'),
    (e) => {
      assert.equal(e.code, 'auth')
      assert.equal(e.httpStatus, 401)
      assert.equal(e.provider, 'smsclub')
      assert.equal(e.requests, 1, 'the error counts the request it made')
    },
  )
  await rejects(bad('inteltele', 'sandbox-key').balance(), 'auth')
  await rejects(bad('decisiontelecom', 'sandbox-key').send({ to: ['972512345678'], text: 'x' }), 'auth')
  await rejects(bad('smsby', 'sandbox-token').send({ to: ['375291234567'], text: 'x' }), 'auth')

  const client = new Client(sb.dsn('smsclub'))
  const cases = [
    [460, 'account', 'permission_denied'],
    [464, 'noMoney', 'insufficient_funds'],
    [461, 'sender', 'invalid_sender'],
    [462, 'text', 'invalid_text'],
    [400, 'upload_img', 'invalid_request'],
  ]
  for (const [status, key, code] of cases) {
    sb.inject('status', { provider: 'smsclub', status, body: JSON.stringify({ errorRequest: { errors: { [key]: ['x'] } } }) })
    await client.send({ to: ['380989361121'], text: 'x' }).then(
      () => assert.fail('no error'),
      (e) => {
        assert.equal(e.code, code)
        assert.equal(e.providerCode, status >= 460 ? String(status) : key)
        assert.equal(e.field, key)
      },
    )
  }
  // SMS Club's own "system error" may come after it acted: a send reports it uncertain; a read rejects.
  const systemError = JSON.stringify({ errorRequest: { errors: { systemError: ['x'] } } })
  sb.inject('status', { provider: 'smsclub', status: 465, body: systemError })
  const report = await client.send({ to: ['380989361121'], text: 'x' })
  assert.deepEqual(report.uncertain.map((u) => u.phone), ['380989361121'])
  assert.deepEqual(report.accepted, [])
  sb.inject('status', { provider: 'smsclub', status: 465, body: systemError })
  await client.status(['1']).then(
    () => assert.fail('no error'),
    (e) => {
      assert.equal(e.code, 'provider_error')
      assert.equal(e.httpStatus, 465)
    },
  )
  sb.inject('rate_limit', { provider: 'smsclub', retryAfter: '120' })
  await client.status(['1']).catch((e) => {
    assert.equal(e.code, 'rate_limited')
    assert.equal(e.retryAfterMs, 120000)
  })
  sb.inject('malformed', { provider: 'smsclub' })
  await rejects(client.status(['1']), 'decode')
  const timeouts = new Client(sb.dsn('decisiontelecom') + '&timeout_ms=150&max_retries=0')
  sb.inject('latency', { provider: 'decisiontelecom', ms: 500 })
  await rejects(timeouts.status(['1']), 'timeout')
  const down = new Client('smsclub://t@default?sender=S&max_retries=0&base_url=http://127.0.0.1:1')
  await rejects(down.status(['1']), 'transport')
})

test('a send that timed out is uncertain and sent once', async () => {
  sb.reset()
  const client = new Client(sb.dsn('decisiontelecom') + '&timeout_ms=150')
  sb.inject('latency', { provider: 'decisiontelecom', ms: 500 })
  const report = await client.send({ to: ['972512345678'], text: 'x' })
  assert.deepEqual(report.uncertain.map((u) => u.phone), ['972512345678'])
  assert.equal(sb.requests().filter((r) => r.path === '/v1/api/send-viber').length, 1)
})
