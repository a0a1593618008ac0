"""Everything the sections share: the running cluster, the templates and the trained models."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench import env
from bench.models import Trained, ensure_trained, models_fingerprint, on_disk, register_all
from bench.scale import Scale
from pgchurn.cluster import Cluster

Say = Callable[[str], None]
# Bump when what the build functions below do changes, so that old templates are rebuilt.
RECIPE = 2


@dataclass(frozen=True)
class Prepared:
    """What a section needs to run."""

    cluster: Cluster
    scale: Scale
    write_template: str  # scale.customers customers, three models, GBDT-100 active
    models: dict[str, Trained]
    batch_template: str | None  # scale.batch_customers profiles, same models
    fingerprints: dict[str, dict[str, str]]

    def write_url(self) -> str:
        return self.cluster.database_url(self.write_template)


def prepare(
    scale: Scale, *, batch: bool, keep_templates: bool = False, say: Say = print
) -> Prepared:
    """Start the cluster, build (or reuse) the templates, train (or reuse) the models."""
    cluster = env.bench_cluster()
    env.start(cluster)
    say(f"  benchmark cluster {cluster.data_dir} on 127.0.0.1:{cluster.port}")
    data_fp = env.data_fingerprint(scale.customers, scale.seed)
    models_fp = models_fingerprint(data_fp, scale.max_train_rows)
    wanted = {
        "data": data_fp,
        "models": models_fp,
        "code": env.code_fingerprint(),
        "recipe": str(RECIPE),
    }

    def build_write(url: str) -> None:
        """Seeded, the models registered, GBDT-100 active, and every profile scored once
        (as the nightly CALL churn.rescore_all() leaves a live database)."""
        env.migrate_and_seed(url, scale.customers, scale.seed)
        register_all(url, ensure_trained(url, models_fp, scale.max_train_rows, say=say))
        env.execute(url, "CALL churn.rescore_all(%s)", (scale.batch_size,))
        env.vacuum_analyze(url)

    write, write_fp = env.ensure_template(
        cluster, scale.customers, wanted, build_write, keep=keep_templates, say=say
    )
    models = on_disk(write_fp["models"])
    fingerprints = {write: write_fp}
    batch_template = None
    if batch:
        batch_template, fingerprints[batch_template] = _batch_template(
            cluster, scale, models, wanted, keep_templates, say
        )
    return Prepared(cluster, scale, write, models, batch_template, fingerprints)


def _batch_template(
    cluster: Cluster,
    scale: Scale,
    models: dict[str, Trained],
    wanted: dict[str, str],
    keep: bool,
    say: Say,
) -> tuple[str, dict[str, str]]:
    def build(url: str) -> None:
        env.migrate_and_seed(url, scale.batch_customers, scale.seed)
        register_all(url, models)
        env.vacuum_analyze(url)

    fingerprint = wanted | {"data": env.data_fingerprint(scale.batch_customers, scale.seed)}
    name, stored = env.ensure_template(
        cluster, scale.batch_customers, fingerprint, build, keep=keep, say=say
    )
    if stored["models"] != wanted["models"]:
        raise RuntimeError(f"{name} holds other models than {wanted['models']}; rebuild it")
    return name, stored
