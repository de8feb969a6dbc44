// Four worker threads, one SMS Club account: they share its 9 requests per second in Redis.
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads')
const { Client, VibergateError } = require('vibergate')

const WORKERS = 4
// VIBERGATE_DSN as above (it has options already: `&` adds more), plus the Redis that holds the
// account's shared schedule, and how many processes share it (for the fallback while it is down).
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const dsn = `${process.env.VIBERGATE_DSN}&shared_state=${redisUrl}&workers=${WORKERS}`
const phones = Array.from({ length: 20 }, (_, i) => `38098936${1000 + i}`) // your queue's jobs

/**
 * One worker: its own client, its share of the jobs, one [outcome, line] per notification.
 * @param {number} worker
 * @returns {Promise<[string, string][]>}
 */
async function work(worker) {
  const client = new Client(dsn) // a client belongs to the thread (or process) that built it
  /** @type {[string, string][]} */
  const results = []
  for (const phone of phones.filter((_, i) => i % WORKERS === worker)) {
    try {
      const report = await client.send({ to: [phone], text: 'Your order has shipped' })
      const [a, r, u] = [report.accepted[0], report.rejected[0], report.uncertain[0]]
      // Uncertain: sent, but no answer came. It may have gone out: check before sending again.
      if (u) results.push(['uncertain', `${phone}: ${u.detail}`])
      else if (r) results.push(['rejected', `${phone}: ${r.reason}`])
      else results.push(['accepted', `${phone}: message id ${a.messageId}`])
    } catch (e) {
      if (!(e instanceof VibergateError)) throw e
      results.push(['failed', `${phone}: ${e.code}: ${e.message}`]) // nothing accepted or uncertain
    }
  }
  return results
}

async function main() {
  /** @type {Promise<[string, string][]>[]} */
  const workers = []
  for (let n = 0; n < WORKERS; n++) {
    const worker = new Worker(__filename, { workerData: n })
    workers.push(new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject)))
  }
  const results = (await Promise.all(workers)).flat()
  for (const [outcome, line] of results) if (outcome !== 'accepted') console.log(outcome, line)
  /** @param {string} outcome */
  const count = (outcome) => results.filter(([o]) => o === outcome).length
  console.log(
    `${WORKERS} workers, ${phones.length} messages: ${count('accepted')} accepted, ` +
      `${count('rejected')} rejected, ${count('uncertain')} uncertain, ${count('failed')} failed`,
  )
  process.exitCode = count('failed') ? 1 : 0
}

if (isMainThread) {
  main()
} else {
  work(/** @type {number} */ (workerData)).then((results) => parentPort?.postMessage(results))
}
