// TypeScript: type-checked against index.d.ts (tsc --noEmit).
import { Client, Sandbox, VibergateError, parseWebhook, type DeliveryState, type SendReport, type WebhookEvent } from 'vibergate'

export async function notify(client: Client, phone: string): Promise<DeliveryState[]> {
  let report: SendReport
  try {
    report = await client.send({ to: [phone], text: 'Your order has shipped', button: { text: 'Track', url: 'https://shop.example/t' }, imageUrl: 'https://shop.example/box.png' })
  } catch (e) {
    if (e instanceof VibergateError && e.code === 'rate_limited') {
      await new Promise((resolve) => setTimeout(resolve, e.retryAfterMs ?? 1000))
      report = client.sendSync({ to: [phone], text: 'Your order has shipped' })
    } else {
      throw e
    }
  }
  const ids = report.accepted.flatMap((a) => (a.messageId ? [a.messageId] : []))
  return (await client.status(ids)).map((s) => s.state)
}

export function onCallback(query: Record<string, string>, body: Buffer): WebhookEvent[] {
  return parseWebhook('inteltele', { method: 'POST', query, body, contentType: 'application/x-www-form-urlencoded' })
}

export async function main(): Promise<void> {
  const sandbox = await Sandbox.start({ stepMs: 0 })
  const client = Client.smsclub({ token: 'sandbox-token', baseUrl: sandbox.baseUrl, sender: 'Shop', timeoutMs: 5000 })
  console.log(await notify(client, '380989361121'))
  await sandbox.stop()
}
