'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { parseWebhook, smsInfo, VibergateError } = require('..')

test('Intel-Tele GET query and POST form', () => {
  const [e] = parseWebhook('inteltele', { method: 'GET', query: { msgid: 'abc', status: 'delivrd', datetime: '2024-01-02 03:04:05' } })
  assert.deepEqual([e.kind, e.messageId, e.state, e.at], ['status', 'abc', 'delivered', '2024-01-02T03:04:05Z'])
  const [p] = parseWebhook('inteltele', { body: Buffer.from('msgid=x&status=undeliv'), contentType: 'application/x-www-form-urlencoded' })
  assert.equal(p.state, 'undeliverable')
})

test('DecisionTelecom inbound, as an Express JSON body', () => {
  const body = { message_token: 44444444444444, phone_number: '972512222222', time: 2121212121, message: { text: 'YES', tracking_data: 'tracking_id:100035' } }
  const [e] = parseWebhook('decisiontelecom', { method: 'POST', body, contentType: 'application/json' })
  assert.deepEqual([e.kind, e.phone, e.text, e.trackingData], ['inbound', '972512222222', 'YES', 'tracking_id:100035'])
  const [s] = parseWebhook('decisiontelecom', { body: '{"message_id":429,"status":1,"sms_message_status":3}' })
  assert.deepEqual([s.state, s.smsState], ['delivered', 'expired'])
})

test('SMS.by statuses', () => {
  const events = parseWebhook('smsby', { body: [{ message_id: 1, success: [{ delivery_id: 5, phone: '375291111111', status: 'READ' }] }] })
  assert.deepEqual(events.map((e) => [e.messageId, e.state]), [['5', 'read']])
})

test('bad callbacks throw VibergateError', () => {
  assert.throws(() => parseWebhook('decisiontelecom', { body: 'nonsense' }), (e) => e instanceof VibergateError && e.code === 'decode')
  assert.throws(() => parseWebhook('smsclub', { body: '{}' }), { code: 'unsupported' })
  // An unknown provider is the core's one error for it (it was invalid_config in Sandbox.dsn):
  // invalid_message on `provider`, with the closest id.
  assert.throws(() => parseWebhook('viber', { body: '{}' }), { code: 'invalid_message', field: 'provider' })
  assert.throws(() => parseWebhook('smsbye', { body: '{}' }), (e) => e.code === 'invalid_message' && /did you mean "smsby"/.test(e.message))
})

test('smsInfo', () => {
  assert.deepEqual(smsInfo('Привет'), { encoding: 'ucs2', characters: 6, segments: 1, nonGsmCharacters: ['П', 'р', 'и', 'в', 'е', 'т'] })
})

test('signed callbacks', async () => {
  const { Client, Sandbox } = require('..')
  const sb = await Sandbox.start()
  const client = Client.decisiontelecom({ apiKey: 'k', baseUrl: sb.baseUrl, sender: 'Shop', webhookSecret: 's3cret' })
  await client.send({ to: ['972512345678'], text: 'Hi', callbackUrl: 'https://shop.example/hook' })
  const sent = sb.requests().filter((r) => r.path === '/v1/api/send-viber').pop()
  const query = new URL(JSON.parse(sent.body).callback_url).search.slice(1)
  const body = '{"message_id":429,"status":1}'
  const [e] = parseWebhook('decisiontelecom', { query, body, secret: 's3cret', callbackUrl: 'https://shop.example/hook' })
  assert.equal(e.state, 'delivered')
  assert.throws(() => parseWebhook('decisiontelecom', { body, secret: 's3cret', callbackUrl: 'https://shop.example/hook' }), { code: 'auth' })
  await sb.stop()
})
