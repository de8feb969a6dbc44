import vibergate from './index.js'

export const { AbortError, Client, Router, Sandbox, VibergateError, parseWebhook, smsInfo, tables, version } = vibergate
export default vibergate
