"""Train Debian's python3-xgboost on a CSV and save the model as JSON (a peer for tests and bench/).

Reads one JSON request on stdin:
  {"train": "train.csv", "test": "test.csv" | null, "params": {...}, "rounds": 50,
   "model_out": "m.json" | null, "pred_out": "pred.txt" | null}
or, to score with a saved model: {"model_in": "m.json", "test": "test.csv", "pred_out": "pred.txt"}
CSV files have a header; the first column is the 0/1 label, the others are features; an empty cell is
missing. Writes one JSON line on stdout: {"fit_seconds": ..., "fit_cpu_seconds": ..., "xgboost": "<version>"}. pred_out gets
one probability per test row (17 significant digits).
"""
import json
import sys
import time

import numpy as np
import xgboost as xgb


def load(path):
    with open(path) as f:
        names = f.readline().strip().split(",")
    try:
        import pandas as pd  # much faster on large files; Debian's python3-pandas

        # round_trip: the default parser may be an ulp off, which flips rows sitting on a threshold.
        data = pd.read_csv(path, dtype=np.float64, float_precision="round_trip").to_numpy()
    except ImportError:
        data = np.genfromtxt(path, delimiter=",", skip_header=1, dtype=np.float64, filling_values=np.nan)
        data = data.reshape(-1, len(names))
    return names[1:], data[:, 1:], data[:, 0]


def main():
    req = json.load(sys.stdin)
    fit_seconds = None
    fit_cpu_seconds = None
    if req.get("model_in"):
        booster = xgb.Booster(model_file=req["model_in"])
        names = booster.feature_names
    else:
        names, X, y = load(req["train"])
        dtrain = xgb.DMatrix(X, label=y, feature_names=names, missing=np.nan)
        params = {"objective": "binary:logistic", "tree_method": "hist", **req["params"]}
        t0 = time.perf_counter()
        c0 = time.process_time()
        booster = xgb.train(params, dtrain, num_boost_round=req["rounds"])
        fit_seconds = time.perf_counter() - t0
        fit_cpu_seconds = time.process_time() - c0
    if req.get("model_out"):
        booster.save_model(req["model_out"])
    if req.get("test") and req.get("pred_out"):
        _, Xt, _ = load(req["test"])
        p = booster.predict(xgb.DMatrix(Xt, feature_names=names, missing=np.nan))
        np.savetxt(req["pred_out"], p.astype(np.float64), fmt="%.17g")
    print(json.dumps({"fit_seconds": fit_seconds, "fit_cpu_seconds": fit_cpu_seconds, "xgboost": xgb.__version__}))


if __name__ == "__main__":
    main()
