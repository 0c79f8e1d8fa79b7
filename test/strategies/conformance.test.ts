import { strategyConformance } from '../conformance/strategy.ts';
import { AutoStrategy, GpStrategy, GridStrategy, RandomStrategy, TpeStrategy } from '../../strategies/index.ts';
import { MOTPE_OPTIONS } from '../../strategies/tpe/options.ts';

// Small budgets keep the GP quick; the algorithms run their real code paths past start-up.
const gpFast = { nStartupTrials: 5, sweep: 128, refineStarts: 2, refineEvals: 40, fitMaxIter: 25 };

strategyConformance({ name: 'random', make: () => new RandomStrategy(), learns: false, trials: 12 });
strategyConformance({ name: 'random+sobol', make: () => new RandomStrategy({ sobol: true }), learns: false, trials: 12 });
strategyConformance({ name: 'grid', make: () => new GridStrategy({ resolution: 3, shuffle: false }), learns: false, trials: 12, seeded: false });
strategyConformance({ name: 'grid+shuffle', make: () => new GridStrategy({ resolution: 3, shuffle: true }), learns: false, trials: 12 });
strategyConformance({ name: 'tpe (univariate)', make: () => new TpeStrategy({ multivariate: false, nStartupTrials: 5 }), learns: true, trials: 16 });
strategyConformance({ name: 'tpe (multivariate)', make: () => new TpeStrategy({ multivariate: true, nStartupTrials: 5 }), learns: true, trials: 16 });
strategyConformance({ name: 'tpe (Optuna defaults)', make: () => new TpeStrategy({ multivariate: false, startup: 'random', gamma: 0.1, bandwidth: 'optuna' }), learns: true, trials: 16 });
strategyConformance({ name: 'tpe (MOTPE options)', make: () => new TpeStrategy({ ...MOTPE_OPTIONS, nStartupTrials: 5 }), learns: true, trials: 16 });
strategyConformance({ name: 'gp', make: () => new GpStrategy(gpFast), learns: true, trials: 12 });
strategyConformance({
  name: 'auto',
  make: () => new AutoStrategy({}, { gp: new GpStrategy(gpFast), tpe: new TpeStrategy({ nStartupTrials: 5 }), motpe: new TpeStrategy({ ...MOTPE_OPTIONS, nStartupTrials: 5 }) }),
  learns: true,
  trials: 12,
});
