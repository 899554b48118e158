// The campaign each mutant faces: runs per protocol and the campaign seed, from campaign.json,
// overridable by DSIM_MUTATION_RUNS and DSIM_MUTATION_SEED (for trying other settings by hand).
import { readFileSync } from 'node:fs';

export function campaignSettings() {
  const file = JSON.parse(readFileSync(new URL('./campaign.json', import.meta.url), 'utf8'));
  return {
    runs: Number(process.env.DSIM_MUTATION_RUNS ?? file.runs),
    seed: Number(process.env.DSIM_MUTATION_SEED ?? file.seed),
  };
}
