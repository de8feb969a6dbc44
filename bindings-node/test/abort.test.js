'use strict'
// An AbortSignal rejects an async call at once; the request it already sent is not recalled, and
// the outcome of an acting call is never dropped: it comes to onLateResult and as a warning.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { AbortError, Client, Router, Sandbox, VibergateError } = require('..')

let sb
before(async () => {
  sb = await Sandbox.start({ smsclubRateLimit: 0 })
})
after(() => sb.stop())

/** Resolves with the next late-result warning. */
function nextLateWarning() {
  return new Promise((resolve) => {
    const listen = (w) => {
      if (w.code !== 'VIBERGATE_LATE_RESULT') return
      process.off('warning', listen)
      resolve(w)
    }
    process.on('warning', listen)
  })
}

/** A hook and a Promise of what it receives first. */
function hook() {
  let receive
  const received = new Promise((resolve) => (receive = resolve))
  return { onLateResult: (late) => receive(late), received }
}

const isAbort = (started) => (e) => {
  assert.ok(e instanceof AbortError && e instanceof Error && !(e instanceof VibergateError), String(e))
  assert.equal(e.name, 'AbortError')
  assert.equal(e.code, 'ABORT_ERR')
  assert.equal(e.started, started)
  return true
}

test('an aborted send rejects at once; its report arrives through onLateResult and a warning', async () => {
  const { onLateResult, received } = hook()
  const client = new Client(sb.dsn('smsclub'), { onLateResult })
  const warned = nextLateWarning()
  sb.inject('latency', { provider: 'smsclub', ms: 500 })
  const controller = new AbortController()
  const events = []
  const sending = client.send({ to: ['380989361121', '380989361122'], text: 'Hi' }, { signal: controller.signal })
  controller.abort(new Error('the user went away'))
  await assert.rejects(sending, isAbort(true))
  events.push('rejected')
  const late = await received
  events.push('late')
  assert.deepEqual(events, ['rejected', 'late'], 'the Promise did not wait for the request')

  assert.equal(late.operation, 'Client.send')
  assert.equal(late.provider, 'smsclub')
  assert.equal(late.error, undefined)
  assert.deepEqual(late.result.accepted.map((a) => a.phone), ['380989361121', '380989361122'])
  assert.equal(late.messageIds.length, 2)
  assert.deepEqual(late.messageIds, late.result.accepted.map((a) => a.messageId))
  // The provider issued those ids.
  assert.deepEqual((await client.status(late.messageIds)).map((s) => s.state), ['delivered', 'delivered'])
  const warning = await warned
  assert.equal(warning.name, 'VibergateLateResultWarning')
  for (const id of late.messageIds) assert.ok(warning.message.includes(id), warning.message)
})

test('uncertain phones and late errors are reported too', async () => {
  const uncertain = hook()
  const slow = new Client(sb.dsn('decisiontelecom') + '&timeout_ms=200', { onLateResult: uncertain.onLateResult })
  sb.inject('latency', { provider: 'decisiontelecom', ms: 700 })
  const controller = new AbortController()
  const sending = slow.send({ to: ['972512345678'], text: 'Hi' }, { signal: controller.signal })
  const warned = nextLateWarning()
  controller.abort()
  await assert.rejects(sending, isAbort(true))
  const late = await uncertain.received
  assert.deepEqual(late.uncertain, ['972512345678'])
  assert.ok((await warned).message.includes('972512345678'))

  const refused = hook()
  const bad = new Client(sb.dsn('smsclub').replace('sandbox-token', 'bad-token'), { onLateResult: refused.onLateResult })
  sb.inject('latency', { provider: 'smsclub', ms: 300 })
  const again = new AbortController()
  const failing = bad.send({ to: ['380989361121'], text: 'Hi' }, { signal: again.signal })
  again.abort()
  await assert.rejects(failing, isAbort(true))
  const error = (await refused.received).error
  assert.ok(error instanceof VibergateError && error.code === 'auth', String(error))
})

test('a Router send reports its routed report late', async () => {
  const { onLateResult, received } = hook()
  const bad = sb.dsn('smsclub').replace('sandbox-token', 'bad-token')
  const router = new Router([bad, sb.dsn('decisiontelecom')], { onLateResult })
  sb.inject('latency', { provider: 'decisiontelecom', ms: 300 })
  const controller = new AbortController()
  const sending = router.send({ to: ['380989361121'], text: 'Hi' }, { signal: controller.signal })
  controller.abort()
  await assert.rejects(sending, isAbort(true))
  const late = await received
  assert.equal(late.operation, 'Router.send')
  assert.equal(late.result.accepted[0].provider, 'decisiontelecom')
  assert.equal(late.messageIds.length, 1)
})

test('a signal aborted before the call sends nothing', async () => {
  const lateResults = []
  const client = sb.client('decisiontelecom', { onLateResult: (late) => lateResults.push(late) })
  const sends = () => sb.requests().filter((r) => r.path === '/v1/api/send-viber').length
  const before = sends()
  await assert.rejects(client.send({ to: ['972512345678'], text: 'Hi' }, { signal: AbortSignal.abort() }), isAbort(false))
  await assert.rejects(client.balance({ signal: AbortSignal.abort() }), isAbort(false))
  await assert.rejects(client.chats(undefined, { signal: AbortSignal.abort() }), isAbort(false))
  await assert.rejects(client.send({ to: ['972512345678'], text: 'Hi' }, { signal: 'soon' }), TypeError)
  // A call that finished before the abort is untouched, and the listener is gone.
  const controller = new AbortController()
  const report = await client.send({ to: ['972512345678'], text: 'Hi' }, { signal: controller.signal })
  controller.abort()
  assert.equal(report.accepted.length, 1)
  assert.equal(sends(), before + 1, 'the calls aborted before they started sent nothing')
  assert.deepEqual(lateResults, [])
})

test('a failing hook is reported as a warning, not thrown', async () => {
  const client = new Client(sb.dsn('smsclub'), {
    onLateResult: () => {
      throw new Error('hook bug')
    },
  })
  const bug = new Promise((resolve) => {
    const listen = (w) => {
      if (w.message !== 'hook bug') return
      process.off('warning', listen)
      resolve(w)
    }
    process.on('warning', listen)
  })
  sb.inject('latency', { provider: 'smsclub', ms: 200 })
  const controller = new AbortController()
  const sending = client.send({ to: ['380989361121'], text: 'Hi' }, { signal: controller.signal })
  controller.abort()
  await assert.rejects(sending, isAbort(true))
  await bug
})
