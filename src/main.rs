use clap::Parser;
use std::ffi::{c_int, c_long};
use std::process::ExitCode;

/// Documents stream through the build, so every document's rows are allocated and freed
/// in turn, on both cores; glibc's allocator spent a fifth of a corpus build there
/// (bench/RESULTS.md), mimalloc a third as much.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

unsafe extern "C" {
    fn mi_option_set(option: c_int, value: c_long);
}

/// `mi_option_purge_delay` in the mimalloc that `libmimalloc-sys` (pinned in Cargo.lock)
/// bundles; its crate exports no constant for it. A test checks it holds that option.
const PURGE_DELAY: c_int = 15;

/// A build is one short process whose memory is freed and taken again document after
/// document: mimalloc handed idle pages back to the kernel (a purge) and then had them
/// zeroed again on the next touch, a tenth of the CPU at 1,000 documents. Never purge.
fn keep_freed_memory() {
    // SAFETY: called in main before other threads exist; sets a plain option.
    unsafe { mi_option_set(PURGE_DELAY, -1) }
}

/// mimalloc advises the kernel to back its regions with transparent huge pages, so a
/// fault there zeroes 2 MiB, and the page is split again when mimalloc frees part of it
/// (the kernel's counters showed huge-page faults and splits, no compaction). Builds of
/// 1,000 documents spent 1.2 to 3.4 s of system time, varying from run to run, where
/// they spend 0.6 s with small pages. This is what mimalloc does itself when
/// `MIMALLOC_ALLOW_THP=0` is set, but the option is read before `main` runs. The flag
/// holds for this process and any it starts (it starts none).
#[cfg(target_os = "linux")]
fn no_huge_pages() {
    // SAFETY: sets a flag of this process; it takes no pointers.
    unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
}

#[cfg(not(target_os = "linux"))]
fn no_huge_pages() {}

fn main() -> ExitCode {
    no_huge_pages();
    keep_freed_memory();
    kdata::cli::main(kdata::cli::Cli::parse())
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" {
        fn mi_option_get(option: c_int) -> c_long;
    }

    #[test]
    fn the_option_number_is_the_purge_delay() {
        // Its default, 1,000 ms, is no other option's; a mimalloc that numbers its
        // options differently fails here instead of setting something else. (The
        // environment can set the option too, under either of its names.)
        let set = ["MIMALLOC_PURGE_DELAY", "MIMALLOC_RESET_DELAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some());
        if !set {
            // SAFETY: reads an option.
            assert_eq!(unsafe { mi_option_get(PURGE_DELAY) }, 1000);
        }
        keep_freed_memory();
        assert_eq!(unsafe { mi_option_get(PURGE_DELAY) }, -1);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn huge_pages_are_off_for_the_process() {
        no_huge_pages();
        // SAFETY: reads a flag of this process.
        assert_eq!(
            unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) },
            1
        );
    }
}
