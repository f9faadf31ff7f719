import fc from 'fast-check';

// One seed for every property in the run: FC_SEED replays a failure exactly (CI sets it).
const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
fc.configureGlobal({
  ...(seed === undefined || Number.isNaN(seed) ? {} : { seed }),
  numRuns: Number(process.env.FC_NUM_RUNS ?? 100),
});
