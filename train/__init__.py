"""pgchurn training: scikit-learn pipelines, exported to PMML with sklearn2pmml."""
