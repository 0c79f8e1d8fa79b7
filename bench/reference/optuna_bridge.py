"""Optuna behind a line protocol, so bench/optuna.ts can run Optuna's samplers and pruners on the
same objectives, seeds and budgets as ours. One JSON object per line in, one per line out.

  {"cmd": "create", "direction", "space": {name: {"low", "high", "log"}}, "seed",
   "sampler": {"type": "tpe" | "random", ...TPESampler kwargs},
   "pruner": {"type": "none" | "median" | "successive-halving" | "hyperband", ...kwargs}}
  {"cmd": "ask"}                                   -> {"number", "params"}
  {"cmd": "report", "number", "step", "value"}     -> {"prune": bool}
  {"cmd": "tell", "number", "value"} or {"cmd": "tell", "number", "pruned": true}

Needs Optuna (Debian: apt-get install python3-optuna, which is 3.1.0, the issues' reference).
"""
import json
import sys

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)

PRUNERS = {
    "none": optuna.pruners.NopPruner,
    "median": optuna.pruners.MedianPruner,
    "successive-halving": optuna.pruners.SuccessiveHalvingPruner,
    "hyperband": optuna.pruners.HyperbandPruner,
}


def create(msg):
    sampler_opts = dict(msg["sampler"])
    kind = sampler_opts.pop("type")
    seed = msg["seed"]
    sampler = optuna.samplers.RandomSampler(seed=seed) if kind == "random" else optuna.samplers.TPESampler(seed=seed, **sampler_opts)
    pruner_opts = dict(msg.get("pruner", {"type": "none"}))
    pruner = PRUNERS[pruner_opts.pop("type")](**pruner_opts)
    # A fixed name: HyperbandPruner picks a trial's bracket from a hash of the study name, and the
    # default name is a fresh UUID, which would make its rows differ from run to run.
    study = optuna.create_study(study_name=f"bench-seed-{seed}", direction=msg["direction"], sampler=sampler, pruner=pruner)
    space = {
        name: optuna.distributions.FloatDistribution(d["low"], d["high"], log=d.get("log", False))
        for name, d in msg["space"].items()
    }
    return study, space


def main():
    study, space, trials = None, None, {}
    for line in sys.stdin:
        msg = json.loads(line)
        cmd = msg["cmd"]
        if cmd == "create":
            study, space = create(msg)
            trials = {}
            out = {"ok": True}
        elif cmd == "ask":
            trial = study.ask(space)
            trials[trial.number] = trial
            out = {"number": trial.number, "params": trial.params}
        elif cmd == "report":
            trial = trials[msg["number"]]
            trial.report(msg["value"], msg["step"])
            out = {"prune": bool(trial.should_prune())}
        elif cmd == "tell":
            trial = trials.pop(msg["number"])
            if msg.get("pruned"):
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            else:
                study.tell(trial, msg["value"])
            out = {"ok": True}
        else:
            out = {"error": f"unknown cmd {cmd!r}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
