//! Running work without the GVL, interruptibly.
//!
//! magnus has no API to release the GVL, so this is a small helper on rb-sys's
//! `rb_thread_call_without_gvl2`. The "2" variant never raises or throws by itself (plain
//! `rb_thread_call_without_gvl` checks interrupts before and after the call and may `longjmp`
//! straight through our Rust frames); instead it reports "not run" when an interrupt is pending,
//! and we then process interrupts ourselves inside `rb_protect`, so `Thread#raise`,
//! `Thread#kill` and Ctrl-C turn into ordinary `Err` values that unwind Rust properly.

use std::any::Any;
use std::ffi::c_void;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

use magnus::Error;

/// Runs `work` without the GVL until it returns `Some`.
///
/// `work` and its result must be `Send`: nothing that refers to Ruby (`Value`, `Obj`, `Ruby`,
/// a [`super::pins::PinBatch`]) can enter the closure, so code that would touch Ruby without
/// the GVL does not compile.
///
/// `work` receives a cancellation flag that Ruby's unblocking function raises when the thread is
/// interrupted (`Thread#raise`, `Thread#kill`, a signal); it must then return `None` promptly,
/// having changed nothing. When the flag is raised from the start, `work` must not wait at all
/// (it may then run with the GVL held). Pending interrupts are then processed with the GVL held: an exception
/// or kill comes back as `Err`; if the interrupt raised nothing (a trap handler that returned,
/// say), the work is started again.
pub fn without_gvl<R, W>(mut work: W) -> Result<R, Error>
where
    R: Send,
    W: FnMut(&AtomicBool) -> Option<R> + Send,
{
    loop {
        let cancelled = AtomicBool::new(false);
        let mut call = Call {
            work: &mut work,
            cancelled: &cancelled,
            outcome: None,
        };
        // SAFETY: `call` lives on this stack frame for the whole call, which returns only after
        // `run` finished (or was never started); `unblock` only touches the atomic flag, which
        // outlives the call too. Neither callback touches Ruby.
        unsafe {
            rb_sys::rb_thread_call_without_gvl2(
                Some(run::<R, W>),
                &mut call as *mut Call<'_, W, R> as *mut c_void,
                Some(unblock),
                &cancelled as *const AtomicBool as *mut c_void,
            );
        }
        match call.outcome.take() {
            Some(Ok(Some(value))) => return Ok(value),
            Some(Err(panic)) => panic::resume_unwind(panic),
            Some(Ok(None)) => check_interrupts()?,
            None => {
                // Not started: an interrupt was pending. Process it; then, so that a stream of
                // interrupts (GC.stress keeps queueing finalizer jobs) cannot starve us, try the
                // work once with the GVL held and the flag already raised: it must not wait then,
                // only take a free lock.
                check_interrupts()?;
                let no_waiting = AtomicBool::new(true);
                if let Some(value) = work(&no_waiting) {
                    return Ok(value);
                }
            }
        }
    }
}

/// Processes pending interrupts with the GVL held; an exception or kill comes back as `Err`.
pub fn check_interrupts() -> Result<(), Error> {
    magnus::rb_sys::protect(|| {
        // SAFETY: called with the GVL held; `protect` catches any non-local exit.
        unsafe { rb_sys::rb_thread_check_ints() };
        rb_sys::Qnil as rb_sys::VALUE
    })
    .map(|_| ())
}

/// What crosses into the GVL-free callback.
struct Call<'a, F, R> {
    work: &'a mut F,
    cancelled: &'a AtomicBool,
    outcome: Option<Result<Option<R>, Box<dyn Any + Send>>>,
}

/// The GVL-free callback: runs the work, catching a panic.
///
/// # Safety
/// `data` must point to a live `Call<'_, F, R>` that nothing else uses during the call.
unsafe extern "C" fn run<R: Send, F: FnMut(&AtomicBool) -> Option<R> + Send>(
    data: *mut c_void,
) -> *mut c_void {
    // SAFETY: `data` is the `Call` that `without_gvl` passed in and keeps alive.
    let call = unsafe { &mut *(data as *mut Call<'_, F, R>) };
    let cancelled = call.cancelled;
    let work = &mut *call.work;
    // A panic must not unwind into Ruby's C frames: carry it back and resume it with the GVL.
    call.outcome = Some(panic::catch_unwind(AssertUnwindSafe(|| work(cancelled))));
    std::ptr::null_mut()
}

/// Ruby's unblocking function: raises the cancellation flag.
///
/// # Safety
/// `flag` must point to an `AtomicBool` that outlives the call.
unsafe extern "C" fn unblock(flag: *mut c_void) {
    // SAFETY: `flag` is the `AtomicBool` that `without_gvl` keeps alive during the call.
    let flag = unsafe { &*(flag as *const AtomicBool) };
    flag.store(true, Ordering::Release);
}
