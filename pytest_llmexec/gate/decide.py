"""The regression gate: pair this run with the baseline and decide whether it got worse.

Two runs over the same cases are compared case by case, not by their raw
percentages: only the cases that flipped carry information about a change,
so the exact McNemar test on right->wrong versus wrong->right flips tells a
real regression from noise. A model/strategy fails the gate when its
accuracy dropped by at least the tolerance *and* the drop is significant
after a Holm correction across the model/strategy strata, or when its
accuracy is below the absolute floor (``--llm-fail-under``). When the run
holds several languages, each model/strategy in each language is a stratum
too (Holm across those strata), gated the same way: a drop in one language
fails even if the model/strategy as a whole holds.

With several samples per case, a case whose samples disagree is *unstable*:
it is listed, and left out of the flips and the test, so that sampling noise
cannot fail a build.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..report.aggregate import Record, group_by, run_key, scored
from ..report.by_language import multilingual
from ..report.records import language
from ..report.stats import holm, mcnemar_exact, paired_delta_interval, sample_flip_rate, z_for
from .baseline import Baseline, Key, Selection, UpdatePlan, is_correct, is_unstable, key_of
from .baseline import model_ids as model_ids_of
from .baseline import templates as templates_of


@dataclass
class Stratum:
    """Paired counts for one model/strategy (or one of its categories or languages)."""

    model: str
    strategy: str
    category: str | None = None
    language: str | None = None
    both: int = 0  # right before and now
    right_to_wrong: int = 0
    wrong_to_right: int = 0
    neither: int = 0
    unstable: int = 0
    errors: int = 0  # paired cases that ended in error now (counted as not correct)
    p: float = 1.0
    p_holm: float = 1.0
    interval: tuple[float, float] = (-1.0, 1.0)
    # sample statistics over the paired cases, before and now: (cases, all-right, flip-rate sum)
    sampled: list[list[float]] = field(default_factory=lambda: [[0, 0, 0.0], [0, 0, 0.0]])

    @property
    def name(self) -> str:
        base = f"{self.model}/{self.strategy}"
        if self.language is not None:
            return f"{base} in {self.language}"
        return base if self.category is None else f"{base} {self.category}"

    @property
    def run(self) -> str:
        return f"{self.model}/{self.strategy}"

    @property
    def n(self) -> int:
        return self.both + self.right_to_wrong + self.wrong_to_right + self.neither

    @property
    def before(self) -> float:
        return (self.both + self.right_to_wrong) / self.n if self.n else 0.0

    @property
    def now(self) -> float:
        return (self.both + self.wrong_to_right) / self.n if self.n else 0.0

    @property
    def delta(self) -> float:
        return self.now - self.before

    def add(self, before: Record, now: Record) -> None:
        for side, entry in enumerate((before, now)):
            samples = entry["n_samples"]
            if samples > 1:
                stats = self.sampled[side]
                stats[0] += 1
                stats[1] += entry["n_correct"] == samples
                stats[2] += sample_flip_rate(samples, entry["n_correct"])
        if is_unstable(before) or is_unstable(now):
            self.unstable += 1
            return
        self.errors += now["verdict"] == "error"
        right_before, right_now = is_correct(before), is_correct(now)
        if right_before and right_now:
            self.both += 1
        elif right_before:
            self.right_to_wrong += 1
        elif right_now:
            self.wrong_to_right += 1
        else:
            self.neither += 1

    def test(self, z: float) -> None:
        self.p = self.p_holm = mcnemar_exact(self.right_to_wrong, self.wrong_to_right)
        self.interval = paired_delta_interval(
            self.both, self.wrong_to_right, self.right_to_wrong, self.neither, z
        )

    def samples_json(self) -> dict[str, Any] | None:
        if not self.sampled[1][0] and not self.sampled[0][0]:
            return None
        out: dict[str, Any] = {}
        for label, (cases, all_right, flips) in zip(("before", "now"), self.sampled, strict=True):
            out[label] = {
                "cases": int(cases),
                "pass_all_k": all_right / cases if cases else None,
                "sample_flip_rate": flips / cases if cases else None,
            }
        return out

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "model": self.model,
            "strategy": self.strategy,
            "n": self.n,
            "both_correct": self.both,
            "right_to_wrong": self.right_to_wrong,
            "wrong_to_right": self.wrong_to_right,
            "both_wrong": self.neither,
            "unstable": self.unstable,
            "errors_now": self.errors,
            "accuracy_before": self.before,
            "accuracy_now": self.now,
            "delta": self.delta,
            "delta_interval": list(self.interval),
            "p": self.p,
            "p_holm": self.p_holm,
        }
        if self.category is not None:
            data["category"] = self.category
        if self.language is not None:
            data["language"] = self.language
        samples = self.samples_json()
        if samples is not None:
            data["samples"] = samples
        return data


@dataclass
class Flip:
    key: Key
    before: Record
    now: Record

    def to_json(self) -> dict[str, Any]:
        return {
            "nodeid": self.key[0],
            "model": self.key[1],
            "strategy": self.key[2],
            "category": self.now["category"],
            "language": language(self.now),
            "expected": self.now["expected"],
            "before": {
                "verdict": self.before["verdict"],
                "predicted": self.before["predicted"],
            },
            "now": {"verdict": self.now["verdict"], "predicted": self.now["predicted"]},
        }

    def line(self) -> str:
        def shown(predicted: str | None, verdict: str) -> str:
            text = predicted if predicted is not None else f"({verdict})"
            return text if len(text) <= 40 else text[:37] + "..."

        before, now = self.before, self.now
        return (
            f"{self.key[0]}: expected {shown(now['expected'], 'None')}; "
            f"was {shown(before['predicted'], before['verdict'])}, "
            f"now {shown(now['predicted'], now['verdict'])}"
        )


@dataclass
class Comparison:
    """This run paired with the baseline, per model/strategy, category and language."""

    runs: list[Stratum]
    categories: list[Stratum]
    languages: list[Stratum]  # empty unless the run holds more than one language
    right_to_wrong: list[Flip]
    wrong_to_right: list[Flip]
    unstable: list[Key]
    added: list[Key]
    removed: list[Key]
    not_selected: int  # baseline cases outside this run's selection
    not_scored: int  # nondeterministic truth on either side
    changes: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "runs": {s.name: s.to_json() for s in self.runs},
            "categories": [s.to_json() for s in self.categories],
            "languages": [s.to_json() for s in self.languages],
            "right_to_wrong": [f.to_json() for f in self.right_to_wrong],
            "wrong_to_right": [f.to_json() for f in self.wrong_to_right],
            "unstable": ["::".join(k) for k in self.unstable],
            "added": ["::".join(k) for k in self.added],
            "removed": ["::".join(k) for k in self.removed],
            "not_selected": self.not_selected,
            "not_scored": self.not_scored,
            "changes": self.changes,
        }


def compare(
    baseline: Baseline, records: Sequence[Record], selection: Selection, alpha: float
) -> Comparison:
    """Pair every case of this run with its baseline entry and test each stratum."""
    z = z_for(alpha)
    runs: dict[tuple[str, str], Stratum] = {}
    categories: dict[tuple[str, str, str], Stratum] = {}
    languages: dict[tuple[str, str, str], Stratum] = {}
    by_language = multilingual(records)
    flips: dict[bool, list[Flip]] = {True: [], False: []}
    unstable: list[Key] = []
    added: list[Key] = []
    not_scored = 0
    current = {key_of(r): r for r in records}
    for key, now in sorted(current.items()):
        before = baseline.cases.get(key)
        if before is None:
            added.append(key)
            continue
        if not (scored(now) and scored(before)):
            not_scored += 1
            continue
        model, strategy = key[1], key[2]
        category = now["category"] or "-"
        runs.setdefault((model, strategy), Stratum(model, strategy)).add(before, now)
        categories.setdefault((model, strategy, category), Stratum(model, strategy, category)).add(
            before, now
        )
        if by_language:
            name = language(now)
            languages.setdefault(
                (model, strategy, name), Stratum(model, strategy, language=name)
            ).add(before, now)
        if is_unstable(before) or is_unstable(now):
            unstable.append(key)
        elif is_correct(before) != is_correct(now):
            flips[is_correct(before)].append(Flip(key, before, now))
    for family in (list(runs.values()), list(categories.values()), list(languages.values())):
        for stratum in family:
            stratum.test(z)
        for stratum, adjusted in zip(family, holm([s.p for s in family]), strict=True):
            stratum.p_holm = adjusted
    removed, not_selected = [], 0
    for key in sorted(baseline.cases):
        if key not in current:
            if selection.covers(key):
                removed.append(key)
            else:
                not_selected += 1
    return Comparison(
        runs=[runs[k] for k in sorted(runs)],
        categories=[categories[k] for k in sorted(categories)],
        languages=[languages[k] for k in sorted(languages)],
        right_to_wrong=flips[True],
        wrong_to_right=flips[False],
        unstable=unstable,
        added=added,
        removed=removed,
        not_selected=not_selected,
        not_scored=not_scored,
        changes=changes(baseline.cases.values(), records),
    )


def changes(before: Iterable[Record], now: Sequence[Record]) -> list[str]:
    """What differs in how the answers were obtained: templates and model ids."""
    before = list(before)
    old_models = {str(e["model"]) for e in before}
    out = []
    for label, fn in (("template", templates_of), ("model id", model_ids_of)):
        old, new = fn(before), fn(now)
        for name in sorted(set(new)):
            if name in old and old[name] != new[name]:
                out.append(f"{label} of {name}: {', '.join(old[name])} -> {', '.join(new[name])}")
            elif name not in old and label == "model id" and name in old_models:
                out.append(f"{label} of {name}: (not recorded) -> {', '.join(new[name])}")
    old_runs = {run_key(e) for e in before}
    for run in sorted({run_key(r) for r in now} - old_runs):
        out.append(f"{run}: not in the baseline (nothing to compare)")
    return out


# --------------------------------------------------------------------------- decision


@dataclass
class GateResult:
    tolerance: float
    alpha: float
    fail_under: float | None
    baseline_path: str | None = None
    comparison: Comparison | None = None
    accuracy: dict[str, tuple[int, int]] = field(default_factory=dict)  # run -> (correct, n)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    accept: str = ""
    update: UpdatePlan | None = None

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "failures": self.failures,
            "notes": self.notes,
            "baseline": self.baseline_path,
            "tolerance": self.tolerance,
            "alpha": self.alpha,
            "fail_under": self.fail_under,
            "accuracy": {
                run: {"correct": c, "n": n, "accuracy": c / n if n else None}
                for run, (c, n) in self.accuracy.items()
            },
            "comparison": self.comparison.to_json() if self.comparison else None,
            "update": self.update.to_json() if self.update else None,
            "accept": self.accept,
        }


def regression(stratum: Stratum, tolerance: float, alpha: float) -> bool:
    """A drop of at least ``tolerance`` points that is significant after Holm."""
    return stratum.n > 0 and -100 * stratum.delta >= tolerance - 1e-9 and stratum.p_holm < alpha


def decide(
    records: Sequence[Record],
    comparison: Comparison | None,
    *,
    tolerance: float,
    alpha: float,
    fail_under: float | None,
) -> GateResult:
    """Apply the gate's two rules; the result's failures say which stratum failed and why."""
    result = GateResult(tolerance, alpha, fail_under, comparison=comparison)
    for run, group in sorted(group_by(records, run_key).items()):
        result.accuracy[run] = (group.correct, group.n)
        if fail_under is not None and 100 * group.accuracy < fail_under:
            result.failures.append(
                f"{run}: accuracy {100 * group.accuracy:.1f}% is below --llm-fail-under="
                f"{fail_under:g}%"
            )
    if comparison is not None:
        for stratum in [*comparison.runs, *comparison.languages]:
            if regression(stratum, tolerance, alpha):
                result.failures.append(
                    f"{stratum.name}: accuracy dropped {-100 * stratum.delta:.1f} points "
                    f"(>= {tolerance:g}) on {stratum.n} paired cases, "
                    f"{stratum.right_to_wrong} right->wrong vs {stratum.wrong_to_right} "
                    f"wrong->right, p={stratum.p_holm:.3g} (Holm) < {alpha:g}"
                )
        compared = {stratum.name for stratum in comparison.runs}
        for run in sorted(set(result.accuracy) - compared):
            # a gate that compared nothing must not look green
            result.failures.append(
                f"{run}: none of its cases is in the baseline, so nothing was compared; "
                "accept its results with --llm-update-baseline"
            )
        if multilingual(records):  # the same for a language new to a compared run
            held = {(run_key(r), language(r)) for r in records if scored(r)}
            paired = {(stratum.run, stratum.language) for stratum in comparison.languages}
            for run, name in sorted(held - paired):
                if run in compared:
                    result.failures.append(
                        f"{run} in {name}: none of its cases is in the baseline, so this "
                        "language was not compared; accept its results with --llm-update-baseline"
                    )
    return result
