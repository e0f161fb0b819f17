"""`spacemap match | train | evaluate | allocate`, registered on the core CLI (see pyproject).

Only typer and the catalog are imported here: registering these commands must not cost
`spacemap --help` the ranker's libraries; each command imports what it runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from spacemap.i18n import Msg, Names, _, current_locale
from spacemap.terminal import Failure, console, h

_CJK = re.compile(r"[\u3400-\u9fff]")


def _one_language(text: str) -> str:
    """A domain note still written "中文 / English" (matching's notes are not in the catalog
    yet), as the half in the CLI's language."""
    zh, sep, en = text.partition("/ ")
    if sep and _CJK.search(zh) and not _CJK.search(en):
        return zh.strip() if current_locale() == "zh" else en.strip()
    return text


def say(message: Msg | str) -> None:
    console.print(escape(str(message)), soft_wrap=True)


def _load_json_model(path: Path, validate_json: Any, what: Msg) -> Any:
    """A pydantic model from a JSON file, or a Failure naming the file, the field and why."""
    from pydantic import ValidationError

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise Failure(_("no such file: %(path)s", path=str(path)), 2) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise Failure(_("cannot read %(path)s as UTF-8 text", path=str(path)), 2) from exc
    try:
        return validate_json(text)
    except ValidationError as exc:
        lines = [str(_("%(what)s in %(path)s is not valid:", what=what, path=str(path)))]
        for e in exc.errors()[:20]:
            field = ".".join(str(p) for p in e["loc"]) or "(JSON)"
            lines.append(f"  {field}: {e['msg']}")
        raise Failure("\n".join(lines), 2) from exc


def _print_match(result: Any) -> None:
    m = result.model
    say(ngettext_feasible(result.company, result.feasible_count))
    say(_("model: %(name)s, %(description)s", name=m.name, description=m.description))
    console.print("[dim]" + escape(str(m.fit_meaning)) + "[/]")
    for note in [*m.notes, *result.notes]:
        say(_("note: %(note)s", note=_one_language(note)))
    console.rule(h(_("ranked feasible sites")))
    for s in result.sites:
        park = Names(s.park_name_zh, s.park_name_en)
        flag = " (" + h(_("synthetic")) + ")" if s.is_synthetic else ""
        console.print(f"[bold]{s.rank:>2}. {s.fit:5.1f}[/]  "
                      + escape(f"{s.unit_code}  {park} · {s.area_code}{flag}"))  # fmt: skip
        rent = _("%(rent)s yuan/m²/month", rent=f"{s.effective_rent_cny_m2_month:.0f}")
        if s.subsidy_rate:
            rent = _(
                "%(rent)s yuan/m²/month (%(full)s less a %(share)s%% subsidy)",
                rent=f"{s.effective_rent_cny_m2_month:.0f}",
                full=f"{s.rent_cny_m2_month:.0f}",
                share=f"{100 * s.subsidy_rate:.0f}",
            )
        where = _("location estimated to ±%(error)s m", error=f"{s.location.error_m or 0:.0f}")
        say(
            f"     {s.available_m2:.0f} m² · {rent} · "
            + str(_("from %(date)s", date=s.available_from))
            + f" · {where}"
        )
        for r in s.reasons:
            say(f"     · {r.text}")
    if result.near_misses:
        from rich.table import Table
        from rich.text import Text

        near = Table(title=h(_("nearest units that do not fit")))
        for col in (_("unit"), _("park"), _("why not")):
            near.add_column(h(col))
        for n in result.near_misses:
            near.add_row(
                Text(n.unit_code),
                Text(str(Names(n.park_name_zh, n.park_name_en))),
                Text("\n".join(f.message for f in n.failed)),
            )
        console.print(near)


def ngettext_feasible(company: str, n: int) -> Msg:
    from spacemap.i18n import ngettext

    return ngettext(
        "%(company)s: %(n)d feasible unit", "%(company)s: %(n)d feasible units", n, company=company
    )


def _checked_positive(value: int) -> int:
    if value < 1:
        raise typer.BadParameter(str(_("must be at least 1, not %(value)s", value=value)))
    return value


def _checked_model(value: str) -> str:
    if value not in ("auto", "rule", "ranker"):
        raise typer.BadParameter(
            str(_("must be auto, rule or ranker, not '%(value)s'", value=value))
        )
    return value


def register(app: typer.Typer) -> None:
    register_allocate(app)

    @app.command("match", help=h(_("Rank the sites a company can land in, with reasons.")))
    def match_cmd(
        profile: Annotated[
            Path, typer.Option("--profile", metavar="FILE", help=h(_("the company profile (JSON)")))
        ],
        limit: Annotated[
            int, typer.Option(metavar="N", help=h(_("how many sites")), callback=_checked_positive)
        ] = 10,
        model: Annotated[
            str, typer.Option(metavar="MODEL", help="auto | rule | ranker", callback=_checked_model)
        ] = "auto",
        as_json: Annotated[bool, typer.Option("--json", help=h(_("print JSON")))] = False,
    ) -> None:
        from matching.profile import CompanyProfile

        company = _load_json_model(
            profile, CompanyProfile.model_validate_json, _("the company profile")
        )
        from matching import artifact
        from matching.match import match
        from spacemap.config import get_settings
        from spacemap.database import get_engine, session_scope

        artifact.use_plain_trees()  # a one-off command: skip importing scikit-learn
        settings = get_settings()
        try:
            with session_scope(get_engine()) as session:
                result = match(session, company, settings.resolved_model_dir(), model, limit)  # type: ignore[arg-type]
        except artifact.ArtifactMismatch as exc:
            raise Failure(_("the ranker cannot be used: %(why)s", why=str(exc))) from exc
        if as_json:
            print(result.model_dump_json(indent=1))
        else:
            _print_match(result)

    @app.command(
        "train", help=h(_("Train the ranker on the placements in the database and save it."))
    )
    def train_cmd(
        seed: Annotated[int, typer.Option(metavar="N", help=h(_("random seed")))] = 0,
        if_missing: Annotated[
            bool,
            typer.Option("--if-missing", help=h(_("skip if a usable model exists"))),
        ] = False,
    ) -> None:
        from matching import artifact
        from matching.train import train
        from spacemap.config import get_settings
        from spacemap.database import get_engine, session_scope

        model_dir = get_settings().resolved_model_dir()
        if if_missing and (model_dir / artifact.META_FILE).exists():
            why = artifact.outdated(model_dir)
            if why is None:
                version = artifact.load(model_dir).meta["version"]  # type: ignore[union-attr]
                say(_("model %(version)s is there already", version=version))
                return
            say(_("retraining: %(why)s", why=why))
        with console.status(h(_("training…"))), session_scope(get_engine()) as session:
            meta = train(session, model_dir, seed)
        t = meta["training"]
        say(_("saved %(version)s to %(dir)s", version=meta["version"], dir=str(model_dir)))
        say(
            _(
                "trained on %(placements)s placements (%(synthetic)s synthetic tenants, %(real)s "
                "real tenants, %(approvals)s approvals), %(pairs)s pairs",
                placements=t["placements"],
                synthetic=t["synthetic_placements"],
                real=t["real_tenants"],
                approvals=t["approvals"],
                pairs=t["pairs"],
            )
        )
        ranker, rule = meta["holdout_metrics"]["ranker"], meta["holdout_metrics"]["rule"]
        say(
            _(
                "hold-out NDCG@10: ranker %(ranker)s, rule %(rule)s",
                ranker=f"{ranker['ndcg@10']:.3f}",
                rule=f"{rule['ndcg@10']:.3f}",
            )
        )

    @app.command(
        "evaluate",
        help=h(
            _(
                "Compare the ranker with baselines on held-out companies "
                "(NDCG@5/10, MRR, confidence intervals)."
            )
        ),
    )
    def evaluate_cmd(
        output: Annotated[
            Path | None, typer.Option(metavar="FILE", help=h(_("also write the report to FILE")))
        ] = None,
        seed: Annotated[int, typer.Option(metavar="N", help=h(_("random seed")))] = 0,
    ) -> None:
        from matching.train import report
        from spacemap.database import get_engine, session_scope

        if output is not None and output.is_dir():
            raise Failure(_("%(path)s is a directory; give a file name", path=str(output)), 2)
        command = "spacemap evaluate" + (f" --output {output}" if output else "")
        with console.status(h(_("evaluating…"))), session_scope(get_engine()) as session:
            text = report(session, seed, command)
        print(text)
        if output:
            try:
                output.parent.mkdir(parents=True, exist_ok=True)
                output.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise Failure(
                    _(
                        "cannot write %(path)s: %(why)s",
                        path=str(output),
                        why=exc.strerror or str(exc),
                    )
                ) from exc


def _print_proposal(p: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    say(
        _(
            "%(n)s applications · top %(k)s per applicant · model %(model)s",
            n=p.applications,
            k=p.top_k,
            model=p.model,
        )
    )
    for note in p.notes:
        console.print(f"[dim]· {escape(_one_language(note))}[/]")
    table = Table(title=h(_("allocation mechanisms compared")))
    # The mechanism's name is what the reader compares by: never cut or wrapped.
    table.add_column(h(_("mechanism")), no_wrap=True, min_width=len("deferred_acceptance"))
    for col in (_("total score"), _("placed"), _("justified envy"), _("seconds")):
        table.add_column(h(col), justify="right", overflow="fold")
    for m in (p.optimal, p.greedy, p.deferred_acceptance):
        table.add_row(
            Text(m.method),
            f"{m.objective:.1f}",
            f"{m.placed}/{p.applications}",
            str(m.justified_envy),
            f"{m.seconds:.3f}",
        )
    console.print(table)
    for m in (p.optimal, p.deferred_acceptance):
        console.rule(escape(m.method))
        for pl in m.placements:
            say(f"  {pl.applicant} → {pl.unit_code} {pl.park_name_zh} ({pl.score:.1f})")
        for un in m.unplaced:
            console.print(f"  [yellow]{escape(pl_name(un))}[/]")


def pl_name(unplaced: Any) -> str:
    return f"{unplaced.applicant}: {Names(unplaced.zh, unplaced.en)}"


def register_allocate(app: typer.Typer) -> None:
    @app.command(
        "allocate",
        help=h(_("Propose who gets which unit: optimal, greedy and deferred acceptance compared.")),
    )
    def allocate_cmd(
        applications: Annotated[
            Path, typer.Option(metavar="FILE", help=h(_("the applications (JSON list)")))
        ],
        top_k: Annotated[
            int,
            typer.Option(
                metavar="K", help=h(_("shortlist per applicant")), callback=_checked_positive
            ),
        ] = 50,
        seed: Annotated[int, typer.Option(metavar="N", help=h(_("lottery seed")))] = 0,
        as_json: Annotated[bool, typer.Option("--json", help=h(_("print JSON")))] = False,
    ) -> None:
        from pydantic import TypeAdapter

        from matching.allocate import Application

        apps = _load_json_model(
            applications, TypeAdapter(list[Application]).validate_json, _("the applications file")
        )
        if not apps:
            raise Failure(_("%(path)s lists no applications", path=str(applications)), 2)
        from matching import artifact
        from matching.allocate import propose
        from spacemap.config import get_settings
        from spacemap.database import get_engine, session_scope

        artifact.use_plain_trees()
        with session_scope(get_engine()) as session:
            proposal = propose(session, apps, get_settings().resolved_model_dir(), top_k, seed)
        if as_json:
            print(proposal.model_dump_json(indent=1))
        else:
            _print_proposal(proposal)
