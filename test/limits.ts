// How long any test, hook or wait in this project may take before it counts as hung: one number for
// the unit and end-to-end configs and for the waits that take a limit of their own. It is far above
// what any test needs even on a 2-core machine with every core busy, because a limit here is a hang
// detector, never a speed requirement: a test passes or fails on what the code does, not on how
// loaded the machine is (issue 21).
export const HANG_MS = 20 * 60_000
