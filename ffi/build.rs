//! Gives the shared library (and only it: the static library has no soname) an ELF soname, so
//! that a program linked with `-lvibergate` records `libvibergate.so.<abi>` and keeps running
//! against any later build with the same ABI, while a build with a different ABI is refused by
//! the dynamic loader instead of crashing. The C SDK tarball (scripts/dist/c.sh) ships the file
//! under its full version with the soname and `libvibergate.so` as symlinks.

use std::env;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // Sonames are an ELF convention; macOS (install names) and Windows (DLL names) differ.
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if !matches!(
        os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly"
    ) {
        return;
    }
    let soname = format!("libvibergate.so.{}", abi_version());
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    link_soname_in_tree(&soname);
}

/// The ABI version the soname carries. From 1.0 on it is the major version, as usual. Before
/// 1.0 Cargo's semver treats the minor as the breaking part (0.1 → 0.2 may break, 0.1.0 → 0.1.1
/// may not), so a bare `0` would let a 0.2 library load into a program built against 0.1 and
/// fail there: the soname is `0.<minor>` instead (the same choice as cargo-c's default).
fn abi_version() -> String {
    let major = env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".to_owned());
    let minor = env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_else(|_| "0".to_owned());
    if major == "0" {
        format!("0.{minor}")
    } else {
        major
    }
}

/// A program linked in the checkout (`cc … -Ltarget/debug -lvibergate -Wl,-rpath,…`, as
/// `make examples`, scripts/test-c.sh and the README do) records the soname, not the file
/// name, so the loader looks for `libvibergate.so.<abi>` beside `libvibergate.so`. This puts
/// that symlink into the profile's output directory (`target/<profile>/`, three levels above
/// OUT_DIR), where cargo places the library. Writing there is outside OUT_DIR, which build
/// scripts normally avoid; it is one relative symlink, made once, and only a warning when the
/// directory layout is not the one expected.
fn link_soname_in_tree(soname: &str) {
    let Some(out_dir) = env::var_os("OUT_DIR").map(PathBuf::from) else {
        return;
    };
    // OUT_DIR is <target>/<profile>/build/<package>-<hash>/out.
    let Some(profile_dir) = out_dir.ancestors().nth(3) else {
        return;
    };
    if out_dir
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        != Some(OsStr::new("build"))
    {
        println!(
            "cargo:warning=unexpected OUT_DIR layout {}: no {soname} symlink",
            out_dir.display()
        );
        return;
    }
    let link = profile_dir.join(soname);
    if link.symlink_metadata().is_ok() {
        return;
    }
    #[cfg(unix)]
    if let Err(e) = std::os::unix::fs::symlink("libvibergate.so", &link) {
        println!("cargo:warning=could not create {}: {e}", link.display());
    }
}
