/**
 * Rise/fall hysteresis (HAProxy `rise`/`fall`, Envoy `healthy_threshold`/`unhealthy_threshold`): the
 * state flips to unhealthy only after `fall` consecutive failures and back to healthy only after `rise`
 * consecutive successes. A result that agrees with the current state resets the opposite streak.
 * @internal
 */
export class Hysteresis {
  healthy: boolean;
  /** Consecutive successes while unhealthy (progress towards `rise`). */
  successes = 0;
  /** Consecutive failures while healthy (progress towards `fall`). */
  failures = 0;
  readonly rise: number;
  readonly fall: number;

  constructor(rise: number, fall: number, healthy: boolean) {
    this.rise = rise;
    this.fall = fall;
    this.healthy = healthy;
  }

  /** Feeds one result; returns true when the state flipped. */
  observe(ok: boolean): boolean {
    if (this.healthy) {
      if (ok) {
        this.failures = 0;
        return false;
      }
      if (++this.failures < this.fall) return false;
      this.healthy = false;
      this.failures = 0;
      return true;
    }
    if (!ok) {
      this.successes = 0;
      return false;
    }
    if (++this.successes < this.rise) return false;
    this.healthy = true;
    this.successes = 0;
    return true;
  }
}
