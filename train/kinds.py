"""The model kind `pgchurn train` fits unless told otherwise (no heavy imports: the CLI reads it).

`logistic` had the best holdout ROC AUC, log loss, Brier score and calibration of every kind on
the demo's data (bench/kinds.py, bench/results/kinds.json; docs/training.md, "Choosing the kind").
"""

DEFAULT_KIND = "logistic"
