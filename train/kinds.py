"""The model kind `pgchurn train` fits unless told otherwise (no heavy imports: the CLI reads it).

`gbdt` (HistGradientBoosting, 100 depth-3 trees, complaint features monotone) is the kind with
the best holdout ROC AUC among those whose predicted uplift of one complaint is within the
tolerance in every severity band and that reach 95% of the oracle's lift over 0.5, on the
demo's data (docs/training.md, "Choosing the kind"). Logistic regression ranks slightly better
but understates a severe complaint's effect by 42%.
"""

DEFAULT_KIND = "gbdt"
