// CommonJS: sends a message and prints the report.  node send.js [PHONE] [TEXT]
// Uses $VIBERGATE_DSN, or the built-in sandbox when it is not set.
'use strict'
const { Client, Sandbox, VibergateError } = require('vibergate')

async function main() {
  const [phone = '380989361121', text = 'Hello from vibergate'] = process.argv.slice(2)
  const sandbox = process.env.VIBERGATE_DSN ? null : await Sandbox.start()
  const client = sandbox ? sandbox.client('smsclub') : Client.fromEnv()
  try {
    const report = await client.send({ to: [phone], text, smsFallback: { text } })
    for (const a of report.accepted) console.log(`accepted ${a.phone}: ${a.messageId}`)
    for (const r of report.rejected) console.log(`rejected ${r.phone}: ${r.reason}`)
    const states = await client.status(report.accepted.map((a) => a.messageId))
    for (const s of states) console.log(`${s.messageId}: ${s.state}`)
  } catch (e) {
    if (!(e instanceof VibergateError)) throw e
    console.error(`${e.code}: ${e.message}`)
    process.exitCode = 1
  } finally {
    await sandbox?.stop()
  }
}

main()
