// Finds and loads the native addon built for this platform.
'use strict'

/** The addon's file name for this platform, e.g. `vibergate.linux-x64-gnu.node`. */
function binaryName() {
  let abi = ''
  if (process.platform === 'linux') {
    abi = process.report?.getReport().header.glibcVersionRuntime ? '-gnu' : '-musl'
  }
  return `vibergate.${process.platform}-${process.arch}${abi}.node`
}

let addon
/** The addon's exports (loaded once). */
function load() {
  if (!addon) {
    try {
      addon = require(`./${binaryName()}`)
    } catch (e) {
      throw new Error(`vibergate: cannot load the native addon ${binaryName()}; build it with \`npm run build\` in bindings-node (${e.message})`)
    }
  }
  return addon
}

module.exports = { binaryName, load }
