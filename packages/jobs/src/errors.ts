import { ScalingError } from '@scaling/core';

/** `enqueue` named a job no definition was registered for (code `ERR_UNKNOWN_JOB`). */
export class UnknownJobError extends ScalingError {
  /** The name that was not found. */
  readonly jobName: string;
  constructor(jobName: string, known: readonly string[]) {
    super(
      'ERR_UNKNOWN_JOB',
      `No job named ${JSON.stringify(jobName)} is defined; defined: ${known.map((k) => JSON.stringify(k)).join(', ') || '(none)'}`,
    );
    this.jobName = jobName;
  }
  /** `'UnknownJobError'`. */
  override get name(): string {
    return 'UnknownJobError';
  }
}

/** A second definition for a job name already registered (code `ERR_DUPLICATE_JOB`). */
export class DuplicateJobError extends ScalingError {
  constructor(jobName: string) {
    super('ERR_DUPLICATE_JOB', `A job named ${JSON.stringify(jobName)} is already defined`);
  }
  /** `'DuplicateJobError'`. */
  override get name(): string {
    return 'DuplicateJobError';
  }
}

/** A payload that cannot cross a process boundary unchanged, or is too large (code `ERR_INVALID_PAYLOAD`). */
export class InvalidPayloadError extends ScalingError {
  /** Where in the payload the problem is, as a path (`$.items[2].at`). */
  readonly path: string;
  constructor(path: string, message: string) {
    super('ERR_INVALID_PAYLOAD', `Invalid job payload at ${path}: ${message}`);
    this.path = path;
  }
  /** `'InvalidPayloadError'`. */
  override get name(): string {
    return 'InvalidPayloadError';
  }
}

/** A job's start deadline passed before a worker could start it (code `ERR_DEADLINE_EXCEEDED`). */
export class JobDeadlineExceededError extends ScalingError {
  constructor(jobName: string, lateByMs: number) {
    super('ERR_DEADLINE_EXCEEDED', `Job ${JSON.stringify(jobName)} was not started: its deadline passed ${Math.round(lateByMs)} ms ago`);
  }
  /** `'JobDeadlineExceededError'`. */
  override get name(): string {
    return 'JobDeadlineExceededError';
  }
}

/** The job queue or worker was closed (code `ERR_JOBS_CLOSED`). */
export class JobsClosedError extends ScalingError {
  constructor(what: string) {
    super('ERR_JOBS_CLOSED', `The ${what} is closed`);
  }
  /** `'JobsClosedError'`. */
  override get name(): string {
    return 'JobsClosedError';
  }
}

/** An option the chosen backend cannot honour, e.g. `priority` on JetStream (code `ERR_UNSUPPORTED`). */
export class UnsupportedByBackendError extends ScalingError {
  constructor(backend: string, feature: string) {
    super('ERR_UNSUPPORTED', `The ${backend} backend does not support ${feature}`);
  }
  /** `'UnsupportedByBackendError'`. */
  override get name(): string {
    return 'UnsupportedByBackendError';
  }
}
