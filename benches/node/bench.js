// Node side of `make bench`: vibergate (await send, sendSync) vs fetch vs http.request with a
// keep-alive agent, for one DecisionTelecom send and one status, against the loopback responder.
'use strict'
const http = require('node:http')
const { Client } = require('vibergate')

const REQUESTS = 500
const RUNS = 7
const base = process.argv[2]
const url = new URL(base)
const auth = 'Basic ' + Buffer.from('KEY').toString('base64')

async function compare(contenders) {
  for (const f of Object.values(contenders)) for (let i = 0; i < 20; i++) await f()
  const rates = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]))
  for (let run = 0; run < RUNS; run++) {
    for (const [name, f] of Object.entries(contenders)) {
      const start = process.hrtime.bigint()
      for (let i = 0; i < REQUESTS; i++) await f()
      rates[name].push(REQUESTS / (Number(process.hrtime.bigint() - start) / 1e9))
    }
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  return Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)]))
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
function post(path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path, method: 'POST', agent, headers: { Authorization: auth, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks))))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

async function main() {
  const client = new Client(`decisiontelecom://KEY@default?base_url=${encodeURIComponent(base)}&sender=Shop&max_retries=0`)
  const message = { to: ['380989361121'], text: 'Hi' }
  const sendBody = JSON.stringify({ source_addr: 'Shop', destination_addr: 380989361121, message_type: 106, text: 'Hi', source_type: 2 })
  const fetchPost = async (path, body) => (await fetch(base + path, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body })).json()
  const sends = await compare({
    'vibergate (await send)': () => client.send(message),
    'vibergate (sendSync)': () => client.sendSync(message),
    fetch: () => fetchPost('/v1/api/send-viber', sendBody),
    'http.request (keep-alive agent)': () => post('/v1/api/send-viber', sendBody),
  })
  const statuses = await compare({
    'vibergate (await send)': () => client.status(['429']),
    'vibergate (sendSync)': () => client.statusSync(['429']),
    fetch: () => fetchPost('/v1/api/receive-viber', '{"message_id":429}'),
    'http.request (keep-alive agent)': () => post('/v1/api/receive-viber', '{"message_id":429}'),
  })
  for (const [operation, rates] of [['send', sends], ['status', statuses]]) {
    for (const [name, rps] of Object.entries(rates)) console.log(JSON.stringify({ group: 'Node', name, operation, rps }))
  }
  agent.destroy()
}

main()
