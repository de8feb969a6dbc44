// vibergate for Node: Promise-first client over the native Rust core.
//
//   const { Client } = require('vibergate')
//   const client = new Client('smsclub://TOKEN@default?sender=Shop')
//   const report = await client.send({ to: ['380989361121'], text: 'Hi' })
//
// Objects use camelCase keys; the core's JSON is snake_case, converted at this boundary.
'use strict'

const native = require('./native.js').load()

const snakeKey = (k) => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())
const camelKey = (k) => k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())

/** Renames the keys of plain objects (recursively); `keep` names keys whose values stay as they are. */
function renameKeys(value, rename, keep = []) {
  if (Array.isArray(value)) return value.map((v) => renameKeys(v, rename, keep))
  if (value === null || typeof value !== 'object') return value
  const out = {}
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue
    out[rename(k)] = keep.includes(k) ? v : renameKeys(v, rename, keep)
  }
  return out
}

const toCore = (value) => JSON.stringify(renameKeys(value ?? {}, snakeKey))
const fromCore = (json) => renameKeys(JSON.parse(json), camelKey)

/** Every vibergate error; `code` is the stable error code (`'auth'`, `'rate_limited'`, …). */
class VibergateError extends Error {
  constructor(details) {
    super(details.message ?? 'vibergate error')
    this.name = 'VibergateError'
    this.code = details.code ?? 'internal'
    this.provider = details.provider ?? null
    this.httpStatus = details.http_status ?? null
    this.providerCode = details.provider_code == null ? null : String(details.provider_code)
    this.field = details.field ?? null
    this.retryAfterMs = details.retry_after_ms ?? null
    this.body = details.body ?? null
    this.rejected = renameKeys(details.rejected ?? [], camelKey)
    this.attempts = renameKeys(details.attempts ?? [], camelKey)
  }
}

/** Turns a native error (its message is the core's error JSON) into a VibergateError. */
function convertError(e) {
  if (e instanceof VibergateError) return e
  const text = e && typeof e.message === 'string' ? e.message : String(e)
  if (text.startsWith('{')) {
    try {
      return new VibergateError(JSON.parse(text))
    } catch {}
  }
  return new VibergateError({ code: 'internal', message: text })
}

/** Runs a native call, turning its errors into VibergateError. Every native export catches Rust
 * panics and reports them as code `internal`: a panic never aborts the process. */
function guard(fn) {
  try {
    return fn()
  } catch (e) {
    throw convertError(e)
  }
}

/** The operations and how their arguments become the core's JSON. */
const OPERATIONS = {
  send: (message) => toCore(message),
  sendPersonalized: (message) => toCore(message),
  status: (ids) => JSON.stringify({ ids: (typeof ids === 'string' ? [ids] : [...ids]).map(String) }),
  statusBatch: (batchId) => JSON.stringify({ id: String(batchId) }),
  balance: () => '',
  rates: () => '',
  chats: (page = 1) => JSON.stringify({ page }),
  chat: (chatId, page = 1) => JSON.stringify({ id: String(chatId), page }),
  inbound: (query = {}) => toCore(query),
  capabilities: () => '',
  sendToList: (message) => toCore(message),
  confirmMailing: (mailingId) => JSON.stringify({ id: String(mailingId) }),
  mailings: (offset = 0, limit = 100) => JSON.stringify({ offset, limit }),
  mailing: (mailingId) => JSON.stringify({ id: String(mailingId) }),
  deliveryList: (mailingId) => JSON.stringify({ id: String(mailingId) }),
  markInboundRead: (ids) => JSON.stringify({ ids: (typeof ids === 'string' ? [ids] : [...ids]).map(String) }),
}

/** Results that are not plain conversions of the core's JSON. */
const RESULTS = {
  confirmMailing: () => undefined,
  markInboundRead: (r) => r.marked,
}

/** A client of one provider. Every method returns a Promise (run off the event loop, on the addon's own threads) and has a `…Sync` twin. */
class Client {
  #native

  /** @param {string} dsn a DSN (`smsclub://TOKEN@default?sender=Shop`) or a JSON configuration */
  constructor(dsn) {
    this.#native = guard(() => new native.NativeClient(String(dsn)))
  }

  static #fromConfig(provider, config) {
    return new Client(toCore({ provider, ...config }))
  }

  static smsclub({ token, ...options }) {
    return Client.#fromConfig('smsclub', { token, ...options })
  }

  static smsby({ token, ...options }) {
    return Client.#fromConfig('smsby', { token, ...options })
  }

  static decisiontelecom({ apiKey, ...options }) {
    return Client.#fromConfig('decisiontelecom', { apiKey, ...options })
  }

  static inteltele({ username, apiKey, ...options }) {
    return Client.#fromConfig('inteltele', { username, apiKey, ...options })
  }

  /** A client from the DSN in `VIBERGATE_DSN`. */
  static fromEnv() {
    const dsn = process.env.VIBERGATE_DSN
    if (!dsn) throw new VibergateError({ code: 'invalid_config', message: 'VIBERGATE_DSN is not set', field: 'VIBERGATE_DSN' })
    return new Client(dsn)
  }

  get provider() {
    return guard(() => this.#native.provider())
  }

  /** The configuration as a DSN with every secret replaced by `***`. */
  toDsn() {
    return guard(() => this.#native.toDsn())
  }

  toString() {
    return `Client(${this.toDsn()})`
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return this.toString()
  }

  async _call(name, args) {
    const op = snakeKey(name)
    const json = await guard(() => this.#native.call(op, OPERATIONS[name](...args))).catch((e) => {
      throw convertError(e)
    })
    return (RESULTS[name] ?? ((r) => r))(fromCore(json))
  }

  _callSync(name, args) {
    const json = guard(() => this.#native.callSync(snakeKey(name), OPERATIONS[name](...args)))
    return (RESULTS[name] ?? ((r) => r))(fromCore(json))
  }
}

for (const name of Object.keys(OPERATIONS)) {
  Object.defineProperty(Client.prototype, name, {
    value: function (...args) {
      return this._call(name, args)
    },
    writable: true,
    configurable: true,
  })
  Object.defineProperty(Client.prototype, `${name}Sync`, {
    value: function (...args) {
      return this._callSync(name, args)
    },
    writable: true,
    configurable: true,
  })
}

/** Failover across providers: a recipient moves on only when a provider certainly did not send. */
class Router {
  #native

  /**
   * @param {string | string[]} chain DSNs joined by `||`, or a list of DSNs
   * @param {{ cooldownMs?: number }} [options]
   */
  constructor(chain, { cooldownMs } = {}) {
    const joined = Array.isArray(chain) ? chain.join(' || ') : String(chain)
    this.#native = guard(() => new native.NativeRouter(joined, cooldownMs))
  }

  toDsn() {
    return guard(() => this.#native.toDsn())
  }

  toString() {
    return `Router(${this.toDsn()})`
  }

  async #call(op, args) {
    const json = await guard(() => this.#native.call(op, args)).catch((e) => {
      throw convertError(e)
    })
    return fromCore(json)
  }

  /** Resolves with `{ accepted, rejected, uncertain, attempts, requests }`; every entry names its provider. */
  send(message) {
    return this.#call('send', toCore(message))
  }

  sendSync(message) {
    return fromCore(guard(() => this.#native.callSync('send', toCore(message))))
  }

  sendPersonalized(message) {
    return this.#call('send_personalized', toCore(message))
  }

  sendPersonalizedSync(message) {
    return fromCore(guard(() => this.#native.callSync('send_personalized', toCore(message))))
  }

  /** States of routed ids (`report.accepted` will do): each provider is asked about its own. */
  status(ids) {
    return this.#call('status', routedIds(ids))
  }

  statusSync(ids) {
    return fromCore(guard(() => this.#native.callSync('status', routedIds(ids))))
  }

  resetCooldowns() {
    guard(() => this.#native.resetCooldowns())
  }
}

const routedIds = (ids) => JSON.stringify([...ids].map(({ provider, messageId }) => ({ provider, message_id: String(messageId) })))

/** The provider emulator, for tests. */
class Sandbox {
  #native

  constructor(options = {}) {
    this.#native = guard(() => new native.NativeSandbox(toCore(options)))
  }

  /** Starts a sandbox: `await Sandbox.start({ stepMs: 0 })`. */
  static async start(options = {}) {
    return new Sandbox(options)
  }

  get baseUrl() {
    return guard(() => this.#native.baseUrl())
  }

  /** A DSN for `provider` pointing at this sandbox. */
  dsn(provider) {
    return guard(() => this.#native.dsn(provider))
  }

  client(provider) {
    return new Client(this.dsn(provider))
  }

  /** Every request received so far. */
  requests() {
    return fromCore(guard(() => this.#native.requests()))
  }

  /** Queues a fault: `inject('latency', { provider: 'smsclub', ms: 200, count: 2 })`. */
  inject(kind, { provider, count = 1, ...params } = {}) {
    guard(() => this.#native.inject(toCore({ kind, provider, count, ...params })))
  }

  reset() {
    guard(() => this.#native.reset())
  }

  async stop() {
    guard(() => this.#native.stop())
  }
}

/** The events in a provider callback; the arguments fit an Express or Fastify request. */
function parseWebhook(provider, { method = 'POST', query = {}, body = '', contentType, secret, callbackUrl } = {}) {
  let text = body
  if (Buffer.isBuffer(body) || body instanceof Uint8Array) text = Buffer.from(body).toString('utf8')
  else if (body !== null && typeof body === 'object') text = JSON.stringify(body)
  else text = body == null ? '' : String(body)
  const plainQuery = typeof query === 'string' ? query : Object.fromEntries(Object.entries(query ?? {}).map(([k, v]) => [k, String(v)]))
  const request = JSON.stringify({ method, query: plainQuery, body: text, content_type: contentType ?? null, secret: secret ?? null, callback_url: callbackUrl ?? null })
  return fromCore(guard(() => native.parseWebhook(provider, request)))
}

/** Counts an SMS text offline: encoding, characters, segments. */
function smsInfo(text) {
  return fromCore(guard(() => native.smsInfo(String(text))))
}

module.exports = {
  Client,
  Router,
  Sandbox,
  VibergateError,
  parseWebhook,
  smsInfo,
  version: guard(() => native.version()),
}
