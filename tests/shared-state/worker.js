'use strict'
// A Node worker of scripts/test-shared-state.sh.
//
//   node worker.js PACKAGE_DIR NAME PHONE...
//
// Sends one single-recipient message per PHONE, one after the other, through the DSN in
// VIBERGATE_DSN (an SMS Club account with `sharedState`), with the vibergate package in
// PACKAGE_DIR (the test's debug build), and prints one JSON line per send on standard output:
// the recipient's buckets, or the error the send threw. Every warn-level log record (the shared
// state became unreachable) is a JSON line too, so that the checker can see that the Redis
// restart happened while this worker was sending.
const [pkg, name, ...phones] = process.argv.slice(2)
const { Client, VibergateError } = require(pkg)

const emit = (fields) => process.stdout.write(JSON.stringify({ worker: name, ...fields }) + '\n')

const client = Client.fromEnv({
  logger: (record) => {
    if (record.level === 'warn') emit({ warning: record.message })
  },
})

async function main() {
  for (const [i, phone] of phones.entries()) {
    let report
    try {
      report = await client.send({ to: [phone], text: `shared-state ${name} ${i + 1}` })
    } catch (e) {
      if (!(e instanceof VibergateError)) throw e
      emit({ to: phone, error: { code: e.code, message: e.message } })
      continue
    }
    emit({
      to: phone,
      accepted: report.accepted.map((a) => a.phone),
      rejected: report.rejected.map((r) => r.phone),
      uncertain: report.uncertain.map((u) => u.phone),
    })
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
