// Finds and loads the native addon built for this platform (the napi-rs convention).
//
// Two places, in this order:
// 1. `vibergate.<platform>.node` next to this file: a build from a checkout (`npm run build`,
//    or the tests' copy of the package), which must win over anything installed.
// 2. The platform package `@vibergate/<platform>` (an optional dependency of `vibergate`, so npm
//    installs only the one whose `os`/`cpu`/`libc` fit, and no install script runs).
// When neither loads, the error names this platform and the packages that exist.
'use strict'

const fs = require('node:fs')
const path = require('node:path')

/** The prebuilt packages there are, by platform (`napi.targets` of package.json, napi-rs names). */
const PACKAGES = {
  'linux-x64-gnu': '@vibergate/linux-x64-gnu',
}

/** `glibc` or `musl` on Linux (from Node's own report, as napi-rs does), otherwise null. */
function libc() {
  if (process.platform !== 'linux') return null
  // The report's header names the glibc Node runs on; under musl it has no such field.
  const header = process.report?.getReport().header
  return header?.glibcVersionRuntime ? 'glibc' : 'musl'
}

/** This platform in napi-rs's words, e.g. `linux-x64-gnu`. */
function platform() {
  const abi = { glibc: '-gnu', musl: '-musl' }[libc()] ?? ''
  return `${process.platform}-${process.arch}${abi}`
}

/** The addon's file name for this platform, e.g. `vibergate.linux-x64-gnu.node`. */
function binaryName() {
  return `vibergate.${platform()}.node`
}

/** Why nothing loaded: this platform, what was tried and what exists. */
function notFound(tried) {
  const libcText = libc() ? `, ${libc()}` : ''
  const which = `${process.platform} ${process.arch}${libcText} (${platform()})`
  const available = Object.entries(PACKAGES)
    .map(([p, name]) => `${name} (${p})`)
    .join(', ')
  const lines = [`vibergate: no native addon for ${which}.`]
  for (const t of tried) lines.push(`  ${t}`)
  if (PACKAGES[platform()]) {
    lines.push(
      `Install the platform package with the same version as vibergate: \`npm install ${PACKAGES[platform()]}\` ` +
        '(npm skips it when optional dependencies are omitted, e.g. `--omit=optional`, or when the lock file was made on another platform).',
    )
  }
  lines.push(`Prebuilt packages exist for: ${available}.`)
  lines.push('Or build the addon from source with Rust: `npm ci && npm run build` in bindings-node of a vibergate checkout.')
  const err = new Error(lines.join('\n'))
  err.code = 'ERR_VIBERGATE_NO_ADDON'
  return err
}

let addon
/** The addon's exports (loaded once). */
function load() {
  if (addon) return addon
  const tried = []
  const local = path.join(__dirname, binaryName())
  if (fs.existsSync(local)) {
    // A file that is there but does not load (another glibc, a truncated copy) is the answer:
    // falling back to a package would hide it.
    try {
      addon = require(local)
      return addon
    } catch (e) {
      throw new Error(`vibergate: cannot load the native addon ${local}: ${e.message}`)
    }
  }
  tried.push(`no ${binaryName()} next to ${__filename}`)
  const pkg = PACKAGES[platform()]
  if (pkg) {
    try {
      addon = require(pkg)
      return addon
    } catch (e) {
      // Only "the package itself is not installed" moves on to the general advice; a package
      // that is installed but fails (a missing file, an older glibc) says so in its own words.
      const missing = e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${pkg}'`)
      if (!missing) throw new Error(`vibergate: cannot load the native addon from ${pkg}: ${e.message}`)
      tried.push(`${pkg} is not installed`)
    }
  } else {
    tried.push(`no prebuilt package is made for ${platform()}`)
  }
  throw notFound(tried)
}

module.exports = { PACKAGES, binaryName, libc, load, platform }
