'use strict'
// The package against the core's tables (`tables()`, the core's api::tables()): a method and its
// `…Sync` twin for every operation, the ErrorCode, DeliveryState and ProviderId unions of
// index.d.ts, and no hand-written copy of the final states. Adding an operation to the core
// fails here until its typed wrapper exists.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const vibergate = require('..')
const { Client, Router, tables } = vibergate

const table = tables()
// The same rule the addon's error renaming uses (the core's suggest::camel_case).
const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8')
const js = fs.readFileSync(path.join(__dirname, '..', 'index.js'), 'utf8')

/** The operations of the table that run on `kind`, as Node names them. */
const operations = (kind) => table.operations.filter((op) => op.on.includes(kind)).map((op) => camel(op.name))

/** The members of `export type NAME = 'a' | 'b' …` in index.d.ts, in order. */
function union(name) {
  const match = dts.match(new RegExp(`export type ${name} =([^]*?)(?:\\n\\n|\\n(?:export|/\\*\\*))`))
  assert.ok(match, `index.d.ts has no type ${name}`)
  return [...match[1].matchAll(/'([a-z_]+)'/g)].map((m) => m[1])
}

/** The methods a class defines itself (its prototype's own functions), but the constructor. */
function methods(cls) {
  return Object.getOwnPropertyNames(cls.prototype).filter((name) => {
    const d = Object.getOwnPropertyDescriptor(cls.prototype, name)
    return name !== 'constructor' && typeof d.value === 'function'
  })
}

test('the table is the core\'s', () => {
  assert.equal(table.version, vibergate.version)
  assert.ok(table.operations.length > 0)
  for (const op of table.operations) {
    assert.ok(Array.isArray(op.on) && op.on.length > 0, op.name)
    assert.ok(op.on.every((kind) => kind === 'client' || kind === 'router'), op.name)
  }
})

for (const [kind, cls, others] of [
  ['client', Client, ['toDsn', 'toString']],
  ['router', Router, ['toDsn', 'toString', 'resetCooldowns']],
]) {
  test(`${cls.name} has a method and its Sync twin for every ${kind} operation, and no other`, () => {
    const expected = operations(kind).flatMap((name) => [name, `${name}Sync`])
    const own = methods(cls)
    const missing = expected.filter((name) => !own.includes(name))
    assert.deepEqual(missing, [], `${cls.name} lacks ${missing.join(', ')}`)
    const extra = own.filter((name) => !expected.includes(name) && !others.includes(name))
    assert.deepEqual(extra, [], `${cls.name} has methods the table does not: ${extra.join(', ')}`)
    // Written in the class body (tools see them), not attached afterwards.
    for (const name of expected) {
      assert.match(js, new RegExp(`\\n  ${name}\\(`), `${cls.name}.${name} is not written in index.js`)
    }
    assert.doesNotMatch(js, /defineProperty\((?:Client|Router)\.prototype/)
  })

  test(`index.d.ts declares every ${kind} operation on ${cls.name}`, () => {
    const body = dts.match(new RegExp(`export declare class ${cls.name} \\{([^]*?)\\n\\}`))
    assert.ok(body, `index.d.ts has no class ${cls.name}`)
    for (const name of operations(kind).flatMap((n) => [n, `${n}Sync`])) {
      assert.match(body[1], new RegExp(`\\n  ${name}\\(`), `index.d.ts: ${cls.name}.${name}`)
    }
  })
}

test('the unknown operation the table lacks is the core\'s error', () => {
  const native = require('../native.js').load()
  const client = new native.NativeClient('smsclub://t@default?sender=S')
  assert.throws(() => client.callSync('sned', '{}'), (e) => {
    const error = JSON.parse(e.message)
    assert.equal(error.code, 'unsupported')
    assert.equal(error.field, 'operation')
    assert.match(error.message, /did you mean "send"/)
    return true
  })
})

test('the operations whose late outcome is reported are the table\'s acting ones', () => {
  assert.doesNotMatch(js, /new Set\(\['send'/, 'index.js must not keep its own list of acting operations')
  const acting = table.operations.filter((o) => o.acts).map((o) => o.name)
  assert.ok(acting.includes('send') && acting.includes('send_personalized') && acting.includes('send_to_list'))
})

test('the ErrorCode union of index.d.ts is the core\'s list of error codes', () => {
  assert.deepEqual(union('ErrorCode'), table.error_codes)
})

test('the DeliveryState union of index.d.ts is the core\'s list of states', () => {
  assert.deepEqual(union('DeliveryState'), table.delivery_states.map((s) => s.name))
})

test('the ProviderId union of index.d.ts is the core\'s list of providers', () => {
  assert.deepEqual(union('ProviderId'), table.providers)
})

test('the final states exist once, in the core', () => {
  const final = table.delivery_states.filter((s) => s.final).map((s) => s.name)
  assert.ok(final.length > 0 && final.length < table.delivery_states.length)
  // Whatever the package exports about final states must be the table's; and index.js keeps
  // no list of its own (it would drift): a caller reads `tables().delivery_states`.
  for (const [name, value] of Object.entries(vibergate)) {
    if (!/final/i.test(name)) continue
    if (typeof value === 'function') {
      for (const s of table.delivery_states) assert.equal(value(s.name), s.final, `${name}(${s.name})`)
    } else {
      assert.deepEqual([...value].sort(), [...final].sort(), name)
    }
  }
  const quoted = (state) => new RegExp(`['"]${state}['"]`)
  const listed = final.filter((state) => quoted(state).test(js))
  assert.deepEqual(listed, [], `index.js names final states itself: ${listed.join(', ')}`)
})
