import vibergate from './index.js'

export const { Client, Router, Sandbox, VibergateError, parseWebhook, smsInfo, version } = vibergate
export default vibergate
