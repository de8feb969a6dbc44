'use strict'
// A Rust panic inside any native export, or inside the work behind a Promise, becomes a
// VibergateError with code 'internal'; it never aborts the process. `__panicForTests(skip)` is
// the addon's test hook (not part of the package's API): the boundary entered after `skip`
// others panics.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { Client, Router, Sandbox, VibergateError, parseWebhook, smsInfo, tables } = require('..')
const native = require('../native.js').load()

let sb
before(async () => {
  sb = await Sandbox.start({ smsclubRateLimit: 0 })
})
after(() => sb.stop())

function isInternal(e) {
  assert.ok(e instanceof VibergateError, `not a VibergateError: ${e && e.stack}`)
  assert.equal(e.code, 'internal')
  assert.match(e.message, /panicked/)
  return true
}

/** Calls the addon directly: its errors carry the core's error JSON as their message. */
function raw(fn) {
  try {
    return fn()
  } catch (e) {
    throw new VibergateError(JSON.parse(e.message))
  }
}

/** Arms the hook, then checks `fn` throws (or its Promise rejects with) an internal error. */
async function panics(name, fn, skip = 0) {
  native.__panicForTests(skip)
  let outcome
  try {
    outcome = fn()
  } catch (e) {
    return assert.ok(isInternal(e), name)
  }
  assert.ok(outcome instanceof Promise, `${name}: no error, the export did not run inside the boundary`)
  await assert.rejects(outcome, isInternal, name)
}

test('every native export maps a panic to an internal VibergateError', async () => {
  const dsn = sb.dsn('smsclub')
  const client = new Client(dsn)
  const router = new Router(dsn)
  const other = new Sandbox()
  const message = { to: ['380989361121'], text: 'Hi' }
  const cases = {
    NativeClient: () => new Client(dsn),
    'NativeClient.provider': () => client.provider,
    'NativeClient.toDsn': () => client.toDsn(),
    'NativeClient.call': () => client.send(message),
    'NativeClient.callSync': () => client.sendSync(message),
    NativeRouter: () => new Router(dsn),
    'NativeRouter.toDsn': () => router.toDsn(),
    'NativeRouter.call': () => router.send(message),
    'NativeRouter.callSync': () => router.sendSync(message),
    'NativeRouter.resetCooldowns': () => router.resetCooldowns(),
    NativeSandbox: () => new Sandbox(),
    'NativeSandbox.baseUrl': () => other.baseUrl,
    'NativeSandbox.dsn': () => other.dsn('smsclub'),
    'NativeSandbox.requests': () => other.requests(),
    'NativeSandbox.inject': () => other.inject('empty'),
    'NativeSandbox.reset': () => other.reset(),
    'NativeSandbox.stop': () => other.stop(),
    parseWebhook: () => parseWebhook('inteltele', { query: 'msgid=1&status=delivrd' }),
    smsInfo: () => smsInfo('Hi'),
    dsnFromEnv: () => Client.fromEnv(),
    tables: () => tables(),
    // Straight from the addon (index.js reads the version once, at load, through its guard).
    __panicForTests: () => raw(() => native.__panicForTests()),
    version: () => raw(() => native.version()),
  }
  for (const [name, fn] of Object.entries(cases)) await panics(name, fn)
  await other.stop()

  // The table covers every export of the addon: a new one without a case fails here.
  const exported = []
  for (const [name, value] of Object.entries(native)) {
    exported.push(name)
    const methods = Object.getOwnPropertyNames(value.prototype ?? {}).filter((m) => m !== 'constructor')
    exported.push(...methods.map((m) => `${name}.${m}`))
  }
  assert.deepEqual(exported.sort(), Object.keys(cases).sort())
})

test('the work behind a Promise is inside the boundary too', async () => {
  const client = new Client(sb.dsn('smsclub'))
  const router = new Router(sb.dsn('smsclub'))
  // skip 1: the export itself runs, the panic comes in the work on the addon's thread.
  await panics('Client.send compute', () => client.send({ to: ['380989361121'], text: 'Hi' }), 1)
  await panics('Client.status compute', () => client.status(['1']), 1)
  await panics('Router.send compute', () => router.send({ to: ['380989361121'], text: 'Hi' }), 1)
  // And the next call works.
  assert.equal((await client.send({ to: ['380989361121'], text: 'Hi' })).accepted.length, 1)
})

test('a forged multibyte vg_token is an auth error, never a crash', () => {
  const tokens = ['\u{1F600}'.repeat(16), 'a' + 'é'.repeat(31) + 'a', 'é'.repeat(32), '\u{1F600}'.repeat(32), '0é', '']
  const body = '{"message_id":429,"status":1}'
  for (const token of tokens) {
    for (const query of [{ vg_token: token }, 'vg_token=' + encodeURIComponent(token)]) {
      assert.throws(
        () => parseWebhook('decisiontelecom', { query, body, secret: 's3cret', callbackUrl: 'https://shop.example/hook' }),
        (e) => e instanceof VibergateError && e.code === 'auth',
        `token ${JSON.stringify(token)}`,
      )
    }
  }
})
