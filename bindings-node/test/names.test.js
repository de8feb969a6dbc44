'use strict'
// Errors speak Node's names: camelCase fields, "did you mean", no serde positions; reports have
// messageIds(); a logger sees waits (info) and attempts (debug).
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { Client, Router, Sandbox, VibergateError } = require('..')

let sb
before(async () => {
  sb = await Sandbox.start({ smsclubRateLimit: 0 })
})
after(() => sb.stop())

/** The error a call fails with (sync throw or rejection). */
async function failure(call) {
  try {
    await call()
  } catch (e) {
    assert.ok(e instanceof VibergateError, `not a VibergateError: ${e}`)
    return e
  }
  assert.fail('no error')
}

/** Lets the event loop deliver log records (they travel through it) until `done()` holds. */
async function delivered(done) {
  for (let turn = 0; turn < 1000 && !done(); turn++) await new Promise((resolve) => setImmediate(resolve))
  assert.ok(done(), 'the records never arrived')
}

/** No serde wording, positions or backticks, no snake_case input names. */
function nodeWords(e) {
  assert.doesNotMatch(e.message, /line \d|column \d|`|expected one of|sms_fallback|ttl_seconds|sms_sender|image_url/, e.message)
}

test('an unknown field names what was meant, in camelCase', async () => {
  const client = sb.client('smsclub')
  let e = await failure(() => client.send({ to: ['380989361121'], txt: 'Hi' }))
  assert.equal(e.code, 'invalid_message')
  assert.equal(e.message, 'unknown field "txt" (did you mean "text"?)')
  assert.equal(e.field, 'txt')

  e = await failure(() => client.send({ to: ['380989361121'], text: 'Hi', smsFallback: { txt: 'Hi' } }))
  assert.equal(e.message, 'unknown field "txt" in "smsFallback" (did you mean "text"?)')
  assert.equal(e.field, 'smsFallback.txt')

  e = await failure(() => client.send({ to: ['380989361121'], text: 'Hi', imageURL: 'https://x.example/a.png' }))
  assert.equal(e.message, 'unknown field "imageURL" (did you mean "imageUrl"?)')
  assert.equal(e.field, 'imageURL')
  nodeWords(e)

  e = await failure(() => client.sendSync({ to: ['380989361121'], colour: 'red' }))
  assert.match(e.message, /^unknown field "colour"; the fields are "to", "sender", "text", "imageUrl", /)
  assert.match(e.message, /"smsFallback"/)
  nodeWords(e)

  e = await failure(() => client.sendPersonalized({ items: [{ to: '380989361121', text: 'a', buttonUrl: 'https://x.example', butonUrl: 'x' }] }))
  assert.equal(e.message, 'unknown field "butonUrl" in "items[0]" (did you mean "buttonUrl"?)')
  assert.equal(e.field, 'items[0].butonUrl')
})

test('a wrong type names the field in camelCase, in JSON words', async () => {
  const client = sb.client('smsclub')
  let e = await failure(() => client.send({ to: '380989361121', text: 'Hi' }))
  assert.equal(e.message, '"to" must be an array, not a string')
  assert.equal(e.field, 'to')
  e = await failure(() => client.send({ to: ['380989361121'], text: 'Hi', ttlSeconds: '1h' }))
  assert.equal(e.message, '"ttlSeconds" must be a whole number, 0 or more, not a string')
  assert.equal(e.field, 'ttlSeconds')
  e = await failure(() => client.send({ to: ['380989361121'], text: 'Hi', button: { text: 'Open' } }))
  assert.equal(e.message, '"button" needs the field "url"')
  assert.equal(e.field, 'button.url')
})

test('validation errors of the core use camelCase names too', async () => {
  let e = await failure(() => sb.client('smsclub').send({ to: ['380989361121'], text: 'Hi', ttlSeconds: 5 }))
  assert.equal(e.field, 'ttlSeconds')
  assert.match(e.message, /^ttlSeconds must be within/)
  nodeWords(e)
  e = await failure(() => Client.smsclub({ token: 't', baseUrl: sb.baseUrl, sender: 'Shop' }).send({ to: ['380989361121'], text: 'Hi', smsFallback: { text: 'Hi' } }))
  assert.equal(e.field, 'smsFallback.sender')
  assert.match(e.message, /smsFallback\.sender or the smsSender option/)
  nodeWords(e)
  // Error codes and the provider's own parameter names are not field names: they stay.
  e = await failure(() => sb.client('smsclub').send({ to: ['12'], text: 'Hi' }))
  assert.equal(e.code, 'no_valid_recipients')
  assert.equal(e.rejected[0].reason, 'invalid_number')
})

test('options: camelCase and "did you mean" for an options object, the DSN\'s own names for a DSN', () => {
  assert.throws(() => Client.smsclub({ token: 't', sendr: 'Shop' }), (e) => {
    assert.equal(e.code, 'invalid_config')
    assert.equal(e.message, 'unknown option "sendr" (did you mean "sender"?)')
    return true
  })
  assert.throws(() => Client.smsclub({ token: 't', smsSendr: 'Shop' }), (e) => {
    assert.equal(e.message, 'unknown option "smsSendr" (did you mean "smsSender"?)')
    assert.equal(e.field, 'smsSendr')
    return true
  })
  assert.throws(() => Client.smsclub({ token: 't', timeoutMs: 'soon' }), (e) => {
    assert.equal(e.message, '"timeoutMs" must be a whole number, 0 or more, not a string')
    assert.equal(e.field, 'timeoutMs')
    return true
  })
  // A DSN is written with snake_case options in every language.
  assert.throws(() => new Client('smsclub://t@default?timeout_ms=soon'), (e) => {
    assert.match(e.message, /timeout_ms/)
    return true
  })
})

test('report.messageIds(): the ids for status(), not part of the data', async () => {
  const client = sb.client('smsclub')
  const report = await client.send({ to: ['380989361121', '380989361122', '380989369999'], text: 'Hi' })
  const ids = report.messageIds()
  assert.equal(ids.length, 2)
  assert.deepEqual(ids, report.accepted.map((a) => a.messageId))
  assert.deepEqual((await client.status(ids)).map((s) => s.state), ['delivered', 'delivered'])
  assert.ok(!('messageIds' in JSON.parse(JSON.stringify(report))))
  assert.deepEqual(Object.keys(report).sort(), ['accepted', 'provider', 'rejected', 'requests', 'uncertain'])
  assert.deepEqual(client.sendSync({ to: ['380989361121'], text: 'Hi' }).messageIds().length, 1)
  const personalized = await sb.client('decisiontelecom').sendPersonalized({ items: [{ to: '972512345678', text: 'Hi' }] })
  assert.equal(personalized.messageIds().length, 1)

  const bad = sb.dsn('smsclub').replace('sandbox-token', 'bad-token')
  const router = new Router([bad, sb.dsn('decisiontelecom')])
  const routed = await router.send({ to: ['380989361121'], text: 'Hi' })
  const pairs = routed.messageIds()
  assert.deepEqual(pairs, [{ provider: 'decisiontelecom', messageId: routed.accepted[0].messageId }])
  assert.equal((await router.status(pairs))[0].state, 'delivered')
  assert.equal(router.sendSync({ to: ['380989361121'], text: 'Hi' }).messageIds().length, 1)
})

test('a logger sees rate-limit waits at info and attempts at debug', async () => {
  const records = []
  const client = Client.smsclub({ token: 'sandbox-token', baseUrl: sb.baseUrl, sender: 'Shop', rateLimit: 2, logger: (r) => records.push(r) })
  await Promise.all([1, 2, 3].map((n) => client.send({ to: ['38098936112' + n], text: 'Hi' })))
  await delivered(() => records.filter((r) => r.level === 'debug').length === 3)
  const waits = records.filter((r) => r.level === 'info')
  const attempts = records.filter((r) => r.level === 'debug')
  assert.equal(attempts.length, 3, JSON.stringify(records))
  assert.ok(waits.length >= 1, JSON.stringify(records))
  const wait = waits[0]
  assert.equal(wait.wait.reason, 'rate_limit')
  assert.ok(wait.wait.ms > 0)
  assert.match(wait.message, /^vibergate: waiting \d+\.\d s for a slot of the client's rate limit \(rateLimit\): POST http:\/\/127\.0\.0\.1:\d+\/vibers\/send \(attempt 1\)$/)
  assert.equal(wait.provider, 'smsclub')
  const attempt = attempts[0]
  assert.equal(attempt.status, 200)
  assert.equal(attempt.method, 'POST')
  assert.ok(attempt.latencyMs >= 0)
  assert.match(attempt.message, /-> 200 in/)
  assert.ok(records.every((r) => !r.url.includes('sandbox-token') && !r.message.includes('sandbox-token')))
})

test('a console-like logger gets messages at their level; a throwing one is a warning', async () => {
  const lines = { info: [], debug: [] }
  const logger = { info: (m) => lines.info.push(m), debug: (m) => lines.debug.push(m) }
  const client = new Client(sb.dsn('decisiontelecom'), { logger })
  client.sendSync({ to: ['972512345678'], text: 'Hi' })
  // A …Sync call's records arrive once it has returned.
  assert.equal(lines.debug.length, 0)
  await delivered(() => lines.debug.length === 1)
  assert.equal(lines.debug.length, 1)
  assert.match(lines.debug[0], /^vibergate: POST http:\/\/127\.0\.0\.1:\d+\/v1\/api\/send-viber -> 200 in /)

  const router = new Router(sb.dsn('decisiontelecom'), { logger: { info() {} } })
  assert.equal((await router.send({ to: ['972512345678'], text: 'Hi' })).accepted.length, 1)

  const warned = new Promise((resolve) => process.once('warning', resolve))
  await new Client(sb.dsn('decisiontelecom'), {
    logger: () => {
      throw new Error('logger broke')
    },
  }).send({ to: ['972512345678'], text: 'Hi' })
  assert.equal((await warned).message, 'logger broke')

  assert.throws(() => new Client(sb.dsn('smsclub'), { logger: 'console' }), TypeError)
})

test('a logger that throws anything, even a value String() cannot show, never breaks a call', async () => {
  const warnings = []
  const onWarning = (w) => warnings.push(w.message)
  process.on('warning', onWarning)
  try {
    const client = new Client(sb.dsn('smsclub'), { logger: () => { throw Object.create(null) } })
    const report = await client.send({ to: ['380636111112'], text: 'Hi' })
    assert.equal(report.accepted.length, 1)
    await new Promise((resolve) => setImmediate(resolve))
    assert.ok(warnings.some((w) => w.includes('logger threw')), warnings.join('; '))
  } finally {
    process.off('warning', onWarning)
  }
})
