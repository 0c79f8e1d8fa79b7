"""Optuna behind a line protocol, so bench/optuna.ts can run Optuna's samplers and pruners on the
same objectives, seeds and budgets as ours. One JSON object per line in, one per line out.

  {"cmd": "create", "direction" | "directions": [...], "seed",
   "space": [[name, {"type": "float", "low", "high", "log"} | {"type": "categorical", "choices"},
             "when": {parent: [values]} (optional)], ...] in sampling order (parents first),
   "sampler": {"type": "tpe" | "random" | "nsga2" | "motpe", ...the sampler's kwargs},
   "pruner": {"type": "none" | "median" | "successive-halving" | "hyperband", ...kwargs}}
  {"cmd": "ask"}                                   -> {"number", "params"}
  {"cmd": "report", "number", "step", "value"}     -> {"prune": bool}
  {"cmd": "tell", "number", "value" | "values": [...], "constraints": [...] (optional)}
  or {"cmd": "tell", "number", "pruned": true}

A conditional space is asked define-by-run: a param is suggested only while its `when` holds, so
TPESampler(group=True) sees the same tree our samplers do. Constraints follow Optuna's semantics
(<= 0 satisfied) through a constraints_func reading the told values.

Needs Optuna (Debian: apt-get install python3-optuna, which is 3.1.0, the issues' reference).
"""
import json
import sys
import warnings

import optuna

warnings.filterwarnings("ignore")
optuna.logging.set_verbosity(optuna.logging.ERROR)

PRUNERS = {
    "none": optuna.pruners.NopPruner,
    "median": optuna.pruners.MedianPruner,
    "successive-halving": optuna.pruners.SuccessiveHalvingPruner,
    "hyperband": optuna.pruners.HyperbandPruner,
}


def constraints_of(trial):
    return trial.user_attrs["constraints"]


def make_sampler(opts, seed):
    opts = dict(opts)
    kind = opts.pop("type")
    if opts.pop("constraints", False):
        opts["constraints_func"] = constraints_of
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if kind == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, **opts)
    if kind == "motpe":
        return optuna.samplers.MOTPESampler(seed=seed, **opts)
    return optuna.samplers.TPESampler(seed=seed, **opts)


def distribution(d):
    if d.get("type") == "categorical":
        return optuna.distributions.CategoricalDistribution(d["choices"])
    return optuna.distributions.FloatDistribution(d["low"], d["high"], log=d.get("log", False))


def suggest(trial, space):
    """Suggests every active param in order (parents come first)."""
    for name, d in space:
        when = d.get("when") or {}
        if all(p in trial.params and trial.params[p] in vals for p, vals in when.items()):
            trial._suggest(name, distribution(d))
    return trial.params


def create(msg):
    seed = msg["seed"]
    sampler = make_sampler(msg["sampler"], seed)
    pruner_opts = dict(msg.get("pruner", {"type": "none"}))
    pruner = PRUNERS[pruner_opts.pop("type")](**pruner_opts)
    # A fixed name: HyperbandPruner picks a trial's bracket from a hash of the study name, and the
    # default name is a fresh UUID, which would make its rows differ from run to run.
    directions = msg.get("directions") or [msg["direction"]]
    study = optuna.create_study(study_name=f"bench-seed-{seed}", directions=directions, sampler=sampler, pruner=pruner)
    return study, msg["space"]


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
            trial = study.ask()
            trials[trial.number] = trial
            out = {"number": trial.number, "params": suggest(trial, space)}
        elif cmd == "report":
            trial = trials[msg["number"]]
            trial.report(msg["value"], msg["step"])
            out = {"prune": bool(trial.should_prune())}
        elif cmd == "tell":
            trial = trials.pop(msg["number"])
            if msg.get("pruned"):
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            else:
                if "constraints" in msg:
                    trial.set_user_attr("constraints", msg["constraints"])
                study.tell(trial, msg["values"] if "values" in msg else msg["value"])
            out = {"ok": True}
        else:
            out = {"error": f"unknown cmd {cmd!r}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
