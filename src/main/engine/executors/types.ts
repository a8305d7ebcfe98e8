// The executor interface: what a batch system must offer for Tagbench to train an experiment's runs
// on it. The local queue (experiments/experiment.ts runExperiment) trains in this machine's job processes;
// batch.ts runs an experiment on any BatchExecutor (submit, resume, cancel, watch);
// a batch executor hands each run to a scheduler whose nodes share the data folder, and learns what
// became of it by asking the scheduler and reading the run store. Slurm implements it now; a
// Kubernetes Jobs executor would implement the same four verbs (kubectl apply / get / delete).

export interface BatchExecutor<Options> {
  kind: string
  /** For messages: "Slurm". */
  label: string
  /** Why this machine cannot submit (its commands missing, the scheduler not answering), or null. */
  unavailable(): Promise<string | null>
  /** Check the options and that the scheduler would take a job of `runId`, without submitting anything. */
  check(runId: string, options: Options): Promise<void>
  /**
   * Submit the job of one run: it trains on a node and continues from the run's last checkpoint when
   * it has one. A refusal is recorded on the run (failed, with the scheduler's message) and thrown.
   */
  submit(runId: string, options: Options): Promise<{ jobId: string }>
  /** Ask the scheduler about these runs' jobs and bring the run store up to date. Returns the runs that changed. */
  refresh(runIds: string[]): Promise<string[]>
  /** Stop these runs' jobs (pending or running); the runs end 'cancelled'. */
  cancel(runIds: string[]): Promise<string[]>
  /**
   * Whether the run has a job that may still change it: queued or running at the scheduler, or ended
   * but not yet settled in the run store (refresh will). A run not watched can be submitted again.
   */
  watching(runId: string): boolean
}
