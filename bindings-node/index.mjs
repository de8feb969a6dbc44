import vibergate from './index.js'

export const { Client, Sandbox, VibergateError, parseWebhook, smsInfo, version } = vibergate
export default vibergate
