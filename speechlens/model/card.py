"""The model card: metrics.json and MODEL.md beside the weights."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from speechlens.labels import LABELS


def _document_sections(card: dict[str, Any]) -> list[str]:
    """MODEL.md sections on the whole-document corpus and the context stage."""
    d, ctx, alone = card["documents"], card["context_cv"], card["sentence_alone_cv"]
    ag = d.get("agreement", {})
    lines = ["## Whole documents and the context stage", "",
             f"`{d['path']}`: {d['n_documents']} documents ({', '.join(f'{g} {n}' for g, n in d['genres'].items())}), "
             f"{d['n_units']} labelled units, {d['n_sentences']} sentences as speechlens splits them; "
             f"SHA-256 `{d['sha256']}`."]
    if ag.get("units"):
        lines += ["", f"Writer vs blind second annotator over {ag['units']} units: theme macro-F1 {ag['macro_f1']:.3f} "
                  f"(" + ", ".join(f"{l} {ag[l]['f1']:.3f}, κ {ag[l]['kappa']:.3f}" for l in LABELS) + f"); problem flag "
                  f"F1 {ag['problem']['f1']:.3f} (κ {ag['problem']['kappa']:.3f}); {ag['disagreements']} units differed and "
                  f"were decided by a blind third pass ({ag['third_pass_units']} units labelled)."]
    lines += ["", f"### Cross-validation over whole documents ({d['folds']} folds by document)", "",
              "Every document scored by a sentence classifier trained without its fold; the context stage "
              "cross-validated over the same folds. *Alone* is the sentence classifier read alone with the "
              "rule-based problem extractor, what the context stage improves on.", "",
              "| | alone | in context |", "|---|---|---|"]
    for l in LABELS:
        lines.append(f"| {l} F1 | {alone['themes'][l]['f1']:.3f} | {ctx['themes'][l]['f1']:.3f} |")
    lines += [f"| **themes macro-F1** | {alone['themes']['macro_f1']:.3f} | **{ctx['themes']['macro_f1']:.3f}** |",
              f"| short headings and items (< 30 characters, n={ctx['short']['n']}) | {alone['short']['macro_f1']:.3f} | {ctx['short']['macro_f1']:.3f} |",
              f"| body sentences (n={ctx['body']['n']}) | {alone['body']['macro_f1']:.3f} | {ctx['body']['macro_f1']:.3f} |"]
    for g, v in ctx["by_genre"].items():
        lines.append(f"| {g} | {alone['by_genre'].get(g, float('nan')):.3f} | {v:.3f} |")
    pa, pc = alone["problem"], ctx["problem"]
    lines += [f"| problems P / R / F1 (not speeches, {pc['support']} admitted) | {pa['precision']:.3f} / {pa['recall']:.3f} / {pa['f1']:.3f} "
              f"| {pc['precision']:.3f} / {pc['recall']:.3f} / {pc['f1']:.3f} |",
              f"| genre detected right | | {ctx['genre_accuracy']:.3f} |", ""]
    if card.get("context_cross_writer"):
        lines += ["### Across writers (the context stage trained without one writer's documents)", "",
                  "| held-out writer | sentences | themes macro-F1 | problems F1 |", "|---|---|---|---|"]
        for part, m in card["context_cross_writer"].items():
            pf = f"{m['problem']['f1']:.3f}" if m["problem"]["support"] else "— (speeches only)"
            lines.append(f"| {part} | {m['themes']['n']} | {m['themes']['macro_f1']:.3f} | {pf} |")
        lines.append("")
    return lines


def write_card(directory: Path, card: dict[str, Any]) -> None:
    """metrics.json (machine-readable) and MODEL.md (for people) beside the weights."""
    (directory / "metrics.json").write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n",
                                            encoding="utf-8")
    notes_path = directory / "NOTES.md"
    notes = notes_path.read_text(encoding="utf-8") if notes_path.is_file() else ""
    lines = [f"# Model card: {card['name']}", "",
             "Theme tagger of speechlens: tags each sentence with `development`, `livelihood`, "
             "`safety`, `party` (zero or more), a sub-theme, and the probability that the sentence, "
             "read alone, is an admitted problem.", "",
             "## How it was trained", "", f"    {card['command']}", "",
             f"- Model: {card['params']['model']}.",
             f"- Features: {card['params']['features']}.",
             f"- C = {card['params']['C']}, min_df = {card['params']['min_df']}, "
             f"{card['info']['n_features']} features.",
             f"- Training data: {card['training_data']['n_train']} sentences "
             f"(`{card['training_data']['train']}`)"
             + (f" and the {card['documents']['n_units']} units of {card['documents']['n_documents']} whole "
                f"documents (`{card['documents']['path']}`)" if "documents" in card else "")
             + f", test split {card['training_data']['n_test']} "
             f"sentences; SHA-256 of train+test files `{card['training_data']['sha256']}`.",
             f"- Versions: Python {card['versions']['python']}, numpy {card['versions']['numpy']}, "
             f"scikit-learn {card['versions']['sklearn']} (training only; inference needs numpy).", ""]

    def table(title: str, m: dict[str, Any]) -> list[str]:
        rows = [f"### {title}", "", "| label | precision | recall | F1 |", "|---|---|---|---|"]
        for l in LABELS:
            if l in m:
                rows.append(f"| {l} | {m[l]['precision']:.3f} | {m[l]['recall']:.3f} | {m[l]['f1']:.3f} |")
        rows.append(f"| **macro-F1** | | | **{m['macro_f1']:.3f}** |")
        if "problem" in m:
            p = m["problem"]
            rows.append(f"| problem (sentence alone) | {p['precision']:.3f} | {p['recall']:.3f} | {p['f1']:.3f} |")
        rows.append("")
        return rows

    lines += ["## Metrics", ""]
    if "test" in card:
        lines += table(f"Frozen test split ({card['test']['n']} sentences)", card["test"])
        if "subtheme_accuracy" in card["test"]:
            lines += [f"Sub-theme accuracy on the test split: {card['test']['subtheme_accuracy']:.3f}", ""]
        lines += table("Keyword-dictionary baseline on the same test split", card["baseline_test"])
    lines += table(f"{card['info']['cv_folds']}-fold cross-validation on the training split "
                   "(thresholds chosen on the same folds, so slightly optimistic)", card["info"]["cv"])
    if "cross_part" in card:
        lines += [f"### Across corpus parts (train on the other parts, test on one: a proxy for text "
                  f"written by someone else)", "", "| held-out part | n | macro-F1 |", "|---|---|---|"]
        for part, m in card["cross_part"].items():
            lines.append(f"| {part} | {m['n']} | {m['macro_f1']:.3f} |")
        lines += [f"| **mean** | | **{card['cross_part_macro_f1']:.3f}** |", ""]
    if "context_cv" in card:
        lines += _document_sections(card)
    if notes:
        lines += [notes.strip(), ""]
    (directory / "MODEL.md").write_text("\n".join(lines), encoding="utf-8")
