// Builds the native addon from source with cargo alone, for a checkout without the napi CLI
// (`npm run build:cargo`; `npm run build` is the usual way). Nothing runs this at install time:
// the published package takes its addon from the platform package (@vibergate/linux-x64-gnu).
// Without --force an addon already present is kept. VIBERGATE_NODE_PROFILE=debug builds faster.
'use strict'

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { binaryName } = require('./native.js')

const target = path.join(__dirname, binaryName())
const profile = process.env.VIBERGATE_NODE_PROFILE === 'debug' ? 'debug' : 'release'
const force = process.argv.includes('--force')

if (fs.existsSync(target) && !force) {
  process.exit(0)
}
const args = ['build', '--manifest-path', path.join(__dirname, 'Cargo.toml'), '--lib']
if (profile === 'release') args.push('--release')
console.log(`vibergate: building the native addon (cargo ${args.join(' ')})`)
execFileSync('cargo', args, { stdio: 'inherit' })
const metadata = JSON.parse(
  execFileSync('cargo', ['metadata', '--format-version', '1', '--no-deps', '--manifest-path', path.join(__dirname, 'Cargo.toml')], {
    encoding: 'utf8',
  }),
)
const library = { linux: 'libvibergate_node.so', darwin: 'libvibergate_node.dylib', win32: 'vibergate_node.dll' }[process.platform]
fs.copyFileSync(path.join(metadata.target_directory, profile, library), target)
