// ES module: the same, with top-level await.  node send.mjs
import { Sandbox, parseWebhook } from 'vibergate'

const sandbox = await Sandbox.start()
const client = sandbox.client('decisiontelecom')
const report = await client.send({ to: ['972512345678'], text: 'Hi', twoWay: true })
console.log(report)
console.log(await client.status(report.accepted.map((a) => a.messageId)))
console.log(parseWebhook('inteltele', { method: 'GET', query: { msgid: 'abc', status: 'delivrd' } }))
await sandbox.stop()
