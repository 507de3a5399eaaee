import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from retrieval.calibration import LabelledPool, pools_file, save_pools
from retrieval.context import Scored
from retrieval.evaluation import MODES, BeirSplit, evaluate, load_beir_split
from retrieval.models import RerankerVersion
from retrieval.selectors import reranker_pinned, reranker_version_active


def plot(report: dict[str, Any], depths: list[int], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = report["metrics"]
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for axis, metric in zip(axes[:2], ("ndcg@10", "recall@5"), strict=True):
        for mode in MODES:
            axis.plot(depths, [metrics[f"{mode}@{d}"][metric] for d in depths], marker="o", label=mode)
        axis.set_title(f"{metric} against depth")
        axis.set_xlabel("depth (candidates)")
        axis.legend()
        axis.grid(alpha=0.3)
    latency = report["latency_ms"]
    for q in ("p50", "p95"):
        axes[2].plot(depths, [latency[f"rerank@{d}"][q] for d in depths], marker="o", label=f"rerank {q}")
    axes[2].set_title("rerank latency (ms) against depth")
    axes[2].set_xlabel("depth (pairs reranked)")
    axes[2].legend()
    axes[2].grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(out, dpi=110)


def table(report: dict[str, Any], depths: list[int]) -> str:
    lines = [f"{'mode':<22}{'nDCG@10':>9}{'MRR@10':>9}{'R@5':>8}{'R@pool':>9}"]
    for depth in depths:
        for mode in MODES:
            m = report["metrics"][f"{mode}@{depth}"]
            lines.append(
                f"{mode + '@' + str(depth):<22}{m['ndcg@10']:>9.4f}{m['mrr@10']:>9.4f}"
                f"{m['recall@5']:>8.4f}{m['recall@pool']:>9.4f}"
            )
    lines.append("")
    lines.append(f"{'latency (ms)':<22}{'p50':>9}{'p95':>9}{'p99':>9}")
    for key, value in sorted(report["latency_ms"].items()):
        lines.append(f"{key:<22}{value['p50']:>9.1f}{value['p95']:>9.1f}{value['p99']:>9.1f}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Evaluate retrieval (full text, dense, hybrid, hybrid + rerank) on a BEIR collection ingested with ingest_beir."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--beir", type=Path, required=True, help="the BEIR folder (queries.jsonl, qrels/)")
        parser.add_argument("--split", default="train")
        parser.add_argument("--depth", default=str(settings.RETRIEVAL_POOL), help="comma-separated pool depths")
        parser.add_argument("--limit", type=int, default=None, help="only the first N queries")
        parser.add_argument("--out", type=Path, default=Path("var/evaluation"))
        parser.add_argument("--reranker-version", default="",
                            help="a version's name, or 'shipped' (default: the active version)")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            depths = sorted({int(d) for d in options["depth"].split(",") if d.strip()})
        except ValueError as exc:
            raise CommandError("--depth takes comma-separated whole numbers, like 20,50,100") from exc
        version = reranker_version_named(options["reranker_version"])
        split = load_beir_split(options["beir"], options["split"])
        if options["limit"]:
            keep = list(split.queries)[: options["limit"]]
            split = BeirSplit(queries={q: split.queries[q] for q in keep}, qrels={q: split.qrels[q] for q in keep})
        pools: list[LabelledPool] = []

        def keep_pool(query_id: str, candidates: list[Scored]) -> None:
            pools.append(LabelledPool(query_id, candidates, split.qrels[query_id]))

        with tqdm(total=len(split.queries), unit="query", desc="evaluating") as bar, reranker_pinned(version):
            report = evaluate(split, depths, on_query=lambda: bar.update(1), on_pool=keep_pool)
        report["reranker_version"] = version.name if version else "shipped"
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        measured = options["split"] + (f"-{version.name}" if version else "")  # a version's pools apart
        stem = f"{options['beir'].name}-{measured}"
        save_pools(pools, pools_file(out, options["beir"], measured, max(depths)))
        (out / f"{stem}.json").write_text(json.dumps(report, indent=2))
        plot(report, depths, out / f"{stem}.png")
        self.stdout.write(table(report, depths))
        self.stdout.write(f"\nreport: {out / (stem + '.json')}  plot: {out / (stem + '.png')}")


def reranker_version_named(name: str) -> RerankerVersion | None:
    """The version to measure: by name, 'shipped' for none, or (empty) the active one."""
    if not name:
        return reranker_version_active()
    if name == "shipped":
        return None
    version = RerankerVersion.objects.filter(name=name).first()
    if version is None:
        known = ", ".join(RerankerVersion.objects.values_list("name", flat=True)) or "none yet"
        raise CommandError(f"No reranker version named {name!r} (known: {known}; or 'shipped').")
    return version
