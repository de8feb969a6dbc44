'use strict'
// Every method against the sandbox, for every provider.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { Client, Sandbox } = require('..')

let sb
before(async () => {
  sb = await Sandbox.start({ smsclubRateLimit: 0 })
})
after(() => sb.stop())

test('SMS Club: send, status, chats, chat, inbound, capabilities', async () => {
  const client = new Client(sb.dsn('smsclub'))
  const report = await client.send({ to: ['+380 98 936 11 21', '380989369999'], text: 'Hi', twoWay: true })
  assert.deepEqual(report.accepted.map((a) => a.phone), ['380989361121'])
  assert.equal(report.rejected[0].reason, 'blacklisted')
  const [state] = await client.status(report.accepted.map((a) => a.messageId))
  assert.equal(state.state, 'delivered')
  assert.equal(state.providerStatus, 'Delivered')
  const chatId = report.accepted[0].chatId
  assert.ok((await client.chats()).some((c) => c.chatId === chatId))
  const thread = await client.chat(chatId)
  assert.deepEqual(thread.messages.map((m) => m.direction), ['outgoing', 'incoming'])
  const replies = await client.inbound({ chatId })
  assert.match(replies[0].text, /^Re: /)
  const reply = await client.send({ chatId, text: 'Thanks' })
  assert.equal(reply.accepted[0].phone, '380989361121')
  assert.ok((await client.capabilities()).operations.includes('chats'))
  // The Sync twins give the same shapes.
  assert.equal(client.statusSync(state.messageId)[0].state, 'delivered')
})

test('SMS.by: quick, bulk, personal, lists, inbound', async () => {
  const client = Client.smsby({ token: 't', baseUrl: sb.baseUrl, sender: '1', smsSender: '2' })
  const quick = await client.send({ to: ['375291234567'], text: 'Hi' })
  assert.equal((await client.status(quick.accepted[0].messageId))[0].state, 'delivered')
  const bulk = await client.send({ to: ['375291234567', '375292222222'], text: 'Sale', label: 'Autumn' })
  const batch = await client.statusBatch(bulk.batchId)
  assert.deepEqual(batch.mailings[0].deliveries.map((d) => d.state), ['delivered', 'read'])
  const personal = await client.sendPersonalized({
    items: [
      { to: '375291234567', text: 'Hi Ann', buttonUrl: 'https://x.example/1' },
      { to: '375291234568', text: 'Hi Bob', buttonUrl: 'https://x.example/2' },
    ],
    buttonText: 'Open',
  })
  assert.equal(personal.accepted.length, 2)
  const list = await client.sendToList({ listId: '1', text: 'News' })
  assert.equal(list.subscribers, 3)
  assert.equal(await client.confirmMailing(list.mailingId), undefined)
  assert.equal((await client.mailing(list.mailingId)).status, 'SENT')
  assert.ok((await client.mailings()).length >= 3)
  assert.equal((await client.deliveryList(list.mailingId)).length, 3)
  const replies = await client.inbound({ mailingId: list.mailingId })
  assert.equal(replies.length, 3)
  assert.equal(await client.markInboundRead(replies.map((r) => r.id)), 3)
})

test('DecisionTelecom: one request per recipient, SMS fallback', async () => {
  const client = Client.decisiontelecom({ apiKey: 'k', baseUrl: sb.baseUrl, sender: 'Shop' })
  const report = await client.send({ to: ['972512221111', '972512222222'], text: 'Code 1', smsFallback: { text: 'Code 1' } })
  assert.equal(report.requests, 2)
  const [first, second] = await client.status(report.accepted.map((a) => a.messageId))
  assert.deepEqual([first.state, first.smsState], ['undeliverable', 'delivered'])
  assert.equal(second.state, 'read')
  assert.equal(second.read, true)
})

test('Intel-Tele: balance, rates, costs; credentials never in a URL', async () => {
  const client = Client.inteltele({ username: 'u', apiKey: 'k', baseUrl: sb.baseUrl })
  assert.deepEqual(await client.balance(), { balance: '100.00', credit: '0.00' })
  assert.ok((await client.rates()).some((r) => r.country === 'ru' && r.network === '01' && r.chargeDeliveredOnly === false))
  const report = await client.send({ to: ['380989361121'], text: 'Hi' })
  assert.equal(report.accepted[0].cost, '0.050000')
  assert.ok(sb.requests().every((r) => !r.query.includes('api_key')))
})

test('configuration: fromEnv, toDsn redacts, repr', () => {
  process.env.VIBERGATE_DSN = sb.dsn('inteltele')
  const client = Client.fromEnv()
  assert.equal(client.provider, 'inteltele')
  assert.ok(client.toDsn().startsWith('inteltele://sandbox:***@default'))
  assert.ok(!String(client).includes('sandbox-key'))
  delete process.env.VIBERGATE_DSN
  assert.throws(() => Client.fromEnv(), { name: 'VibergateError', code: 'invalid_config', field: 'VIBERGATE_DSN' })
  // The core's meaning, as in every language: empty or blank is not set either.
  for (const blank of ['', '   ']) {
    process.env.VIBERGATE_DSN = blank
    assert.throws(() => Client.fromEnv(), { name: 'VibergateError', code: 'invalid_config', field: 'VIBERGATE_DSN' })
  }
  delete process.env.VIBERGATE_DSN
})

test('defaults are the core\'s: chats, chat and mailings without their optional arguments', async () => {
  const club = new Client(sb.dsn('smsclub'))
  const report = await club.send({ to: ['380989361121'], text: 'Hi', twoWay: true })
  const chatId = report.accepted[0].chatId
  assert.deepEqual(await club.chats(), await club.chats(1))
  assert.deepEqual(club.chatsSync(null), club.chatsSync(1))
  assert.deepEqual((await club.chat(chatId)).chatId, chatId)
  const smsby = Client.smsby({ token: 't', baseUrl: sb.baseUrl, sender: '1' })
  const requests = () => sb.requests().filter((r) => r.provider === 'smsby').map((r) => `${r.query} ${r.body}`)
  const before = requests().length
  await smsby.mailings()
  smsby.mailingsSync(undefined, 7)
  const [all, seven] = requests().slice(before)
  assert.match(all, /limit_rows=100\b/, all)
  assert.match(seven, /limit_offset=0\b.*limit_rows=7\b|limit_rows=7\b.*limit_offset=0\b/, seven)
})
