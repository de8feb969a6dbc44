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

/** `report.messageIds()` of a SendReport: the ids the provider issued, in recipient order. */
function sendReportIds() {
  return this.accepted.map((a) => a.messageId).filter((id) => id != null)
}

/** `report.messageIds()` of a RoutedReport: `{ provider, messageId }` pairs, what `router.status` takes. */
function routedReportIds() {
  return this.accepted.filter((a) => a.messageId != null).map(({ provider, messageId }) => ({ provider, messageId }))
}

/** Gives a report its `messageIds()` method, not enumerable: the report stays plain data. */
const withIds = (ids) => (report) => {
  if (report !== null && typeof report === 'object') {
    Object.defineProperty(report, 'messageIds', { value: ids, writable: true, configurable: true, enumerable: false })
  }
  return report
}
const sendReport = withIds(sendReportIds)
const routedReport = withIds(routedReportIds)

/** What a wait is for, by the core's reason. */
const WAITS = {
  rate_limit: "for a slot of the client's rate limit (rateLimit)",
  retry_after: 'for the time the provider asked for (Retry-After)',
  backoff: 'before retrying',
}

/**
 * A log record from the core's JSON: notices about the client at `warn` (its shared state is
 * unreachable) or `info` (it is back), waits at `info`, attempts at `debug`.
 */
function logRecord(r) {
  const base = { provider: r.provider, method: r.method, url: r.url, attempt: r.attempt }
  if (r.notice) {
    const level = r.notice.warning ? 'warn' : 'info'
    const notice = { warning: r.notice.warning, message: r.notice.message }
    return { level, message: `vibergate: ${r.provider}: ${notice.message}`, ...base, notice }
  }
  if (r.wait) {
    const wait = { reason: r.wait.reason, ms: r.wait.ms }
    const message = `vibergate: waiting ${(wait.ms / 1000).toFixed(1)} s ${WAITS[wait.reason] ?? wait.reason}: ${r.method} ${r.url} (attempt ${r.attempt})`
    return { level: 'info', message, ...base, wait }
  }
  const outcome = r.status != null ? String(r.status) : `failed (${r.error})`
  const message = `vibergate: ${r.method} ${r.url} -> ${outcome} in ${r.latency_ms.toFixed(1)} ms (attempt ${r.attempt})`
  const record = { level: 'debug', message, ...base, latencyMs: r.latency_ms }
  if (r.status != null) record.status = r.status
  if (r.error != null) record.error = r.error
  return record
}

/**
 * The native log callback for a `logger` option: a function gets every record; an object with
 * `info`/`debug` methods (`console`, pino, winston…) gets the record's message at its level. A
 * logger that throws is reported as a process warning, never thrown into the event loop.
 */
function logCallback(logger, owner) {
  if (logger == null) return undefined
  const isFunction = typeof logger === 'function'
  if (!isFunction && (typeof logger !== 'object' || typeof logger.info !== 'function')) {
    throw new TypeError(`vibergate: ${owner}: options.logger must be a function or an object with info() and debug() methods, such as console`)
  }
  return (json) => {
    try {
      const record = logRecord(JSON.parse(json))
      if (isFunction) logger(record)
      else if (typeof logger[record.level] === 'function') logger[record.level](record.message)
      // A logger without warn() still hears a warning.
      else if (record.level === 'warn') logger.info(record.message)
    } catch (e) {
      // Whatever the logger threw (even a value String() cannot convert) must not escape into
      // the native call that is logging.
      let warning
      try {
        warning = e instanceof Error ? e : new Error(`vibergate: the logger threw ${String(e)}`)
      } catch {
        warning = new Error('vibergate: the logger threw a value that cannot be shown')
      }
      process.emitWarning(warning)
    }
  }
}

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
    this.requests = details.requests ?? 0
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

/**
 * Rejects an async call whose AbortSignal aborted. Aborting stops the *waiting*, not the request:
 * when the call had `started`, it runs to its end, and if it may have acted at the provider its
 * outcome comes later to `onLateResult` and as a process warning (see `LateResult`).
 */
class AbortError extends Error {
  constructor(operation, started, reason) {
    super(
      started
        ? `vibergate: ${operation} was aborted while it ran; a request already sent was not stopped, and its outcome goes to onLateResult`
        : `vibergate: ${operation} was aborted before it started; nothing was sent`,
      { cause: reason },
    )
    this.name = 'AbortError'
    // Node's own code for aborted operations (fs, timers/promises, events.once).
    this.code = 'ABORT_ERR'
    this.operation = operation
    this.started = started
  }
}

/**
 * The operations that may act at the provider (the table's `acts` column): their late outcome is
 * reported, never dropped. Read from the core when first needed.
 */
let acting = null
const ACTING = {
  has(operation) {
    acting ??= new Set(tables().operations.filter((o) => o.acts).map((o) => camelKey(o.name)))
    return acting.has(operation)
  },
}

/** The outcome of an acting call that finished after its AbortSignal aborted. */
function lateResult(owner, provider, operation, outcome) {
  const { result, error } = outcome
  const accepted = Array.isArray(result?.accepted) ? result.accepted : []
  const messageIds = accepted.map((a) => a.messageId).filter((id) => id != null)
  if (result?.mailingId != null) messageIds.push(result.mailingId)
  const uncertain = Array.isArray(result?.uncertain) ? result.uncertain.map((u) => u.phone) : []
  return { operation: `${owner}.${operation}`, provider, result, error, messageIds, uncertain }
}

/** One line naming every id, every uncertain phone, or the error. */
function describeLate(late) {
  const where = `vibergate: ${late.operation}${late.provider ? ` (${late.provider})` : ''}`
  if (late.error) return `${where} failed after its AbortSignal aborted: ${late.error.code}: ${late.error.message}`
  const parts = []
  const result = late.result
  if (Array.isArray(result?.accepted)) {
    const pairs = result.accepted.map((a) => `${a.phone}=${a.provider ? a.provider + ':' : ''}${a.messageId ?? '?'}`)
    parts.push(`accepted ${result.accepted.length} [${pairs.join(', ')}]`)
    parts.push(`uncertain phones [${late.uncertain.join(', ')}]`)
    parts.push(`rejected ${(result.rejected ?? []).length}`)
  } else if (late.messageIds.length) {
    parts.push(`ids [${late.messageIds.join(', ')}]`)
  } else {
    parts.push(`result ${JSON.stringify(result)}`)
  }
  return `${where} finished after its AbortSignal aborted: ${parts.join('; ')}`
}

/** Reports a late outcome: a process warning always, then the owner's hook. */
function reportLate(late, hook) {
  process.emitWarning(describeLate(late) + (hook ? '' : ' (pass onLateResult to handle it)'), {
    type: 'VibergateLateResultWarning',
    code: 'VIBERGATE_LATE_RESULT',
  })
  if (typeof hook !== 'function') return
  try {
    hook(late)
  } catch (e) {
    // Nobody awaits the hook: its failure is reported, not thrown into the event loop.
    process.emitWarning(e instanceof Error ? e : new Error(String(e)))
  }
}

/**
 * Runs a native async call (`start` returns its Promise of JSON) under an optional AbortSignal.
 * On abort the returned Promise rejects at once with AbortError; the native call keeps running,
 * and an acting call's outcome goes to `reportLate`.
 */
function abortable({ owner, provider, hook, operation, signal }, start, convert) {
  if (signal != null && typeof signal.addEventListener !== 'function') {
    return Promise.reject(new TypeError(`vibergate: ${owner}.${operation}: options.signal must be an AbortSignal`))
  }
  if (signal?.aborted) return Promise.reject(new AbortError(`${owner}.${operation}`, false, signal.reason))
  let running
  try {
    running = guard(start)
  } catch (e) {
    return Promise.reject(e)
  }
  const settle = (json) => convert(fromCore(json))
  if (signal == null) {
    return running.then(settle, (e) => {
      throw convertError(e)
    })
  }
  return new Promise((resolve, reject) => {
    let abandoned = false
    const onAbort = () => {
      abandoned = true
      reject(new AbortError(`${owner}.${operation}`, true, signal.reason))
    }
    signal.addEventListener('abort', onAbort, { once: true })
    const done = (outcome) => {
      signal.removeEventListener('abort', onAbort)
      if (!abandoned) {
        if ('error' in outcome) reject(outcome.error)
        else resolve(outcome.result)
      } else if (ACTING.has(operation)) {
        let name = null
        try {
          name = provider()
        } catch {}
        reportLate(lateResult(owner, name, operation, outcome), hook())
      }
    }
    running.then(
      (json) => {
        let result
        try {
          result = settle(json)
        } catch (e) {
          return done({ error: convertError(e) })
        }
        done({ result })
      },
      (e) => done({ error: convertError(e) }),
    )
  })
}

/** One id or an iterable of ids, as the list of text ids the core takes. */
const idList = (ids) => (typeof ids === 'string' ? [ids] : [...ids]).map(String)

/**
 * The JSON of an argument object of the core's table without the optional arguments the caller
 * left out (`undefined` or `null`): their defaults (the first page, the mailings' `limit`) are the
 * core's, never written here.
 */
function given(args) {
  const out = {}
  for (const [key, value] of Object.entries(args)) if (value != null) out[key] = value
  return JSON.stringify(out)
}

const same = (result) => result
/** The core answers `confirm_mailing` with `{ confirmed: mailingId }`; the method resolves with nothing. */
const confirmed = () => undefined
/** The core answers `mark_inbound_read` with `{ marked: n | null }`; the method resolves with the count. */
const marked = (result) => result.marked


/**
 * Runs the table's `operation` (camelCase) on a native client or router with the argument JSON
 * `args()` builds, under the optional `{ signal }`; a failure to build the arguments rejects,
 * never throws. `context` names the owner for late results.
 */
function callAsync(native, context, operation, args, options, convert) {
  const { signal } = options ?? {}
  let json
  try {
    json = args()
  } catch (e) {
    return Promise.reject(convertError(e))
  }
  return abortable({ ...context, operation, signal }, () => native.call(snakeKey(operation), json), convert)
}

/** `callAsync`, blocking. */
function callSync(native, operation, args, convert) {
  return convert(fromCore(guard(() => native.callSync(snakeKey(operation), args()))))
}

/**
 * A client of one provider. Every method returns a Promise (run off the event loop, on the addon's
 * own threads), takes an optional last `{ signal }` (AbortSignal), and has a `…Sync` twin.
 *
 * Each method is the typed wrapper of one operation of the core's table (`tables().operations`):
 * it builds the operation's argument object (camelCase becomes the core's snake_case) and reads
 * its result; names, defaults and result shapes are the core's. `test/tables.test.js` fails when
 * the table has an operation without its method and `…Sync` twin here.
 */
class Client {
  #native
  /** Receives the `LateResult` of an acting call that finished after its AbortSignal aborted. */
  onLateResult

  /**
   * @param {string} dsn a DSN (`smsclub://TOKEN@default?sender=Shop`) or a JSON configuration
   * @param {{ onLateResult?: (late: object) => void, logger?: Function | { info: Function, debug?: Function } }} [options]
   */
  constructor(dsn, { onLateResult, logger } = {}) {
    const log = logCallback(logger, 'Client')
    this.#native = guard(() => new native.NativeClient(String(dsn), log))
    this.onLateResult = onLateResult ?? null
  }

  static #fromConfig(provider, { onLateResult, logger, ...config }) {
    return new Client(toCore({ provider, ...config }), { onLateResult, logger })
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

  /** A client from the DSN in `VIBERGATE_DSN` (unset, empty or blank: `invalid_config`, as in every language). */
  static fromEnv(options = {}) {
    return new Client(guard(() => native.dsnFromEnv()), options)
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

  #call(operation, args, options, convert = same) {
    const context = { owner: 'Client', provider: () => this.provider, hook: () => this.onLateResult }
    return callAsync(this.#native, context, operation, args, options, convert)
  }

  #callSync(operation, args, convert = same) {
    return callSync(this.#native, operation, args, convert)
  }

  send(message, options) {
    return this.#call('send', () => toCore(message), options, sendReport)
  }

  sendSync(message) {
    return this.#callSync('send', () => toCore(message), sendReport)
  }

  sendPersonalized(message, options) {
    return this.#call('sendPersonalized', () => toCore(message), options, sendReport)
  }

  sendPersonalizedSync(message) {
    return this.#callSync('sendPersonalized', () => toCore(message), sendReport)
  }

  status(ids, options) {
    return this.#call('status', () => given({ ids: idList(ids) }), options)
  }

  statusSync(ids) {
    return this.#callSync('status', () => given({ ids: idList(ids) }))
  }

  statusBatch(batchId, options) {
    return this.#call('statusBatch', () => given({ batch_id: String(batchId) }), options)
  }

  statusBatchSync(batchId) {
    return this.#callSync('statusBatch', () => given({ batch_id: String(batchId) }))
  }

  balance(options) {
    return this.#call('balance', () => '{}', options)
  }

  balanceSync() {
    return this.#callSync('balance', () => '{}')
  }

  rates(options) {
    return this.#call('rates', () => '{}', options)
  }

  ratesSync() {
    return this.#callSync('rates', () => '{}')
  }

  chats(page, options) {
    return this.#call('chats', () => given({ page }), options)
  }

  chatsSync(page) {
    return this.#callSync('chats', () => given({ page }))
  }

  chat(chatId, page, options) {
    return this.#call('chat', () => given({ chat_id: String(chatId), page }), options)
  }

  chatSync(chatId, page) {
    return this.#callSync('chat', () => given({ chat_id: String(chatId), page }))
  }

  inbound(query, options) {
    return this.#call('inbound', () => toCore(query), options)
  }

  inboundSync(query) {
    return this.#callSync('inbound', () => toCore(query))
  }

  capabilities(options) {
    return this.#call('capabilities', () => '{}', options)
  }

  capabilitiesSync() {
    return this.#callSync('capabilities', () => '{}')
  }

  sendToList(message, options) {
    return this.#call('sendToList', () => toCore(message), options)
  }

  sendToListSync(message) {
    return this.#callSync('sendToList', () => toCore(message))
  }

  confirmMailing(mailingId, options) {
    return this.#call('confirmMailing', () => given({ mailing_id: String(mailingId) }), options, confirmed)
  }

  confirmMailingSync(mailingId) {
    return this.#callSync('confirmMailing', () => given({ mailing_id: String(mailingId) }), confirmed)
  }

  mailings(offset, limit, options) {
    return this.#call('mailings', () => given({ offset, limit }), options)
  }

  mailingsSync(offset, limit) {
    return this.#callSync('mailings', () => given({ offset, limit }))
  }

  mailing(mailingId, options) {
    return this.#call('mailing', () => given({ mailing_id: String(mailingId) }), options)
  }

  mailingSync(mailingId) {
    return this.#callSync('mailing', () => given({ mailing_id: String(mailingId) }))
  }

  deliveryList(mailingId, options) {
    return this.#call('deliveryList', () => given({ mailing_id: String(mailingId) }), options)
  }

  deliveryListSync(mailingId) {
    return this.#callSync('deliveryList', () => given({ mailing_id: String(mailingId) }))
  }

  markInboundRead(ids, options) {
    return this.#call('markInboundRead', () => given({ ids: idList(ids) }), options, marked)
  }

  markInboundReadSync(ids) {
    return this.#callSync('markInboundRead', () => given({ ids: idList(ids) }), marked)
  }
}

/** Routed ids (`report.accepted` will do) as the core's `{ provider, message_id }` pairs. */
const routedIds = (ids) => [...ids].map(({ provider, messageId }) => ({ provider, message_id: String(messageId) }))

/**
 * Failover across providers: a recipient moves on only when a provider certainly did not send.
 * Its methods wrap the table's router operations, like `Client`'s.
 */
class Router {
  #native
  /** Receives the `LateResult` of a send that finished after its AbortSignal aborted. */
  onLateResult

  /**
   * @param {string | string[]} chain DSNs joined by `||`, or a list of DSNs
   * @param {{ cooldownMs?: number, onLateResult?: (late: object) => void, logger?: Function | { info: Function, debug?: Function } }} [options]
   */
  constructor(chain, { cooldownMs, onLateResult, logger } = {}) {
    // A string or a list goes to the core as it is: the chain syntax (`||`) is the core's.
    const dsns = Array.isArray(chain) ? chain.map(String) : String(chain)
    const log = logCallback(logger, 'Router')
    this.#native = guard(() => new native.NativeRouter(dsns, cooldownMs, log))
    this.onLateResult = onLateResult ?? null
  }

  toDsn() {
    return guard(() => this.#native.toDsn())
  }

  toString() {
    return `Router(${this.toDsn()})`
  }

  #call(operation, args, options, convert = same) {
    const context = { owner: 'Router', provider: () => null, hook: () => this.onLateResult }
    return callAsync(this.#native, context, operation, args, options, convert)
  }

  #callSync(operation, args, convert = same) {
    return callSync(this.#native, operation, args, convert)
  }

  /** Resolves with `{ accepted, rejected, uncertain, attempts, requests }`; every entry names its provider. */
  send(message, options) {
    return this.#call('send', () => toCore(message), options, routedReport)
  }

  sendSync(message) {
    return this.#callSync('send', () => toCore(message), routedReport)
  }

  sendPersonalized(message, options) {
    return this.#call('sendPersonalized', () => toCore(message), options, routedReport)
  }

  sendPersonalizedSync(message) {
    return this.#callSync('sendPersonalized', () => toCore(message), routedReport)
  }

  /** States of routed ids (`report.accepted` will do): each provider is asked about its own. */
  status(ids, options) {
    return this.#call('status', () => given({ ids: routedIds(ids) }), options)
  }

  statusSync(ids) {
    return this.#callSync('status', () => given({ ids: routedIds(ids) }))
  }

  resetCooldowns() {
    guard(() => this.#native.resetCooldowns())
  }
}

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

  client(provider, options) {
    return new Client(this.dsn(provider), options)
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

/**
 * The core's tables, as the core names them (snake_case): `{ version, operations, error_codes,
 * delivery_states: [{ name, final }], providers }`. The tests compare this package with them.
 */
function tables() {
  return JSON.parse(guard(() => native.tables()))
}

/** Counts an SMS text offline: encoding, characters, segments. */
function smsInfo(text) {
  return fromCore(guard(() => native.smsInfo(String(text))))
}

module.exports = {
  AbortError,
  Client,
  Router,
  Sandbox,
  VibergateError,
  parseWebhook,
  smsInfo,
  tables,
  version: guard(() => native.version()),
}
