"""`spacemap match | train | evaluate | allocate`, registered on the core CLI (see pyproject)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from spacemap.config import get_settings

console = Console()
err = Console(stderr=True)


def _load_profile(path: Path):
    from matching.profile import CompanyProfile

    try:
        return CompanyProfile.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        err.print(f"[red]错误 / error:[/] no such file {path}")
        raise typer.Exit(2) from exc
    except ValidationError as exc:
        err.print(f"[red]企业画像无效 / invalid profile[/] {path}:")
        for e in exc.errors():
            field = ".".join(str(p) for p in e["loc"]) or "(profile)"
            err.print(f"  {field}: {e['msg']}")
        raise typer.Exit(2) from exc


def _print_match(result) -> None:
    m = result.model
    console.print(f"[bold]{result.company}[/]: {result.feasible_count} 个可行空间 / feasible units")
    console.print(f"模型 / model: {m.name} — {m.description}")
    console.print(f"[dim]{m.fit_meaning}[/]")
    for note in [*m.notes, *result.notes]:
        console.print(f"[yellow]注意 / note:[/] {note}")
    console.rule("推荐空间 / ranked feasible sites")
    for s in result.sites:
        flag = " [dim](合成 synthetic)[/]" if s.is_synthetic else ""
        console.print(
            f"[bold]{s.rank:>2}. {s.fit:5.1f}[/]  {s.unit_code}  {s.park_name_zh} "
            f"[dim]{s.park_name_en}[/] · {s.area_code}{flag}"
        )
        rent = f"{s.effective_rent_cny_m2_month:.0f} 元/m²/月"
        if s.subsidy_rate:
            rent += f" ({s.rent_cny_m2_month:.0f} − {100 * s.subsidy_rate:.0f}% 补贴 subsidy)"
        where = f"±{s.location.error_m or 0:.0f} m 估算位置 estimated"
        console.print(
            f"     {s.available_m2:.0f} m² · {rent} · 起租 from {s.available_from} · {where}"
        )
        for r in s.reasons:
            console.print(f"     · {r.text}")
    if result.near_misses:
        near = Table(title="接近但不可行 / nearest infeasible units")
        for col in ("unit / 单元", "park / 园区", "why not / 原因"):
            near.add_column(col)
        for n in result.near_misses:
            near.add_row(n.unit_code, n.park_name_zh, "\n".join(f.message for f in n.failed))
        console.print(near)


def register(app: typer.Typer) -> None:
    register_allocate(app)

    @app.command("match")
    def match_cmd(
        profile: Annotated[Path, typer.Option("--profile", help="企业画像 JSON / company profile")],
        limit: Annotated[int, typer.Option(help="返回数量 / how many sites")] = 10,
        model: Annotated[str, typer.Option(help="auto | rule | ranker")] = "auto",
        as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
    ) -> None:
        """为企业匹配空间 / Rank the sites a company can land in, with reasons."""
        from matching.match import match
        from spacemap.database import get_engine, session_scope

        company = _load_profile(profile)
        settings = get_settings()
        with session_scope(get_engine()) as session:
            result = match(session, company, settings.resolved_model_dir(), model, limit)  # type: ignore[arg-type]
        if as_json:
            print(result.model_dump_json(indent=1))
        else:
            _print_match(result)

    @app.command("train")
    def train_cmd(
        seed: Annotated[int, typer.Option(help="随机种子 / seed")] = 0,
        if_missing: Annotated[
            bool,
            typer.Option("--if-missing", help="已有可用模型则跳过 / skip if a usable model exists"),
        ] = False,
    ) -> None:
        """训练排序模型 / Train the ranker on the placements in the database and save it."""
        from matching import artifact
        from matching.train import train
        from spacemap.database import get_engine, session_scope

        model_dir = get_settings().resolved_model_dir()
        if if_missing:
            try:
                existing = artifact.load(model_dir)
            except artifact.ArtifactMismatch as exc:
                console.print(f"[yellow]retraining:[/] {exc}")
                existing = None
            if existing is not None:
                console.print(f"model {existing.meta['version']} present / 模型已存在")
                return
        with console.status("training / 训练中…"), session_scope(get_engine()) as session:
            meta = train(session, model_dir, seed)
        t = meta["training"]
        console.print(f"saved {meta['version']} to {model_dir}")
        console.print(
            f"trained on {t['placements']} placements ({t['synthetic_placements']} synthetic "
            f"tenants, {t['real_tenants']} real tenants, {t['approvals']} approvals), "
            f"{t['pairs']} pairs"
        )
        ranker, rule = meta["holdout_metrics"]["ranker"], meta["holdout_metrics"]["rule"]
        console.print(
            f"hold-out NDCG@10: ranker {ranker['ndcg@10']:.3f}, rule {rule['ndcg@10']:.3f}"
        )

    @app.command("evaluate")
    def evaluate_cmd(
        output: Annotated[
            Path | None, typer.Option(help="同时写入文件 / also write to FILE")
        ] = None,
        seed: Annotated[int, typer.Option(help="随机种子 / seed")] = 0,
    ) -> None:
        """评估排序模型 / Ranker vs baselines on held-out companies (NDCG@5/10, MRR, CI)."""
        from matching.train import report
        from spacemap.database import get_engine, session_scope

        command = "spacemap evaluate" + (f" --output {output}" if output else "")
        with console.status("evaluating / 评估中…"), session_scope(get_engine()) as session:
            text = report(session, seed, command)
        print(text)
        if output:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")


def _print_proposal(p) -> None:
    console.print(f"{p.applications} 份申请 / applications · top-{p.top_k} · model {p.model}")
    for note in p.notes:
        console.print(f"[dim]· {note}[/]")
    table = Table(title="分配方案对比 / allocation mechanisms")
    columns = ["mechanism / 机制", "total score / 总分", "placed / 落位"]
    for col in [*columns, "justified envy / 正当嫉妒", "seconds / 秒"]:
        table.add_column(col)
    for m in (p.optimal, p.greedy, p.deferred_acceptance):
        table.add_row(m.method, f"{m.objective:.1f}", f"{m.placed}/{p.applications}",
                      str(m.justified_envy), f"{m.seconds:.3f}")  # fmt: skip
    console.print(table)
    for m in (p.optimal, p.deferred_acceptance):
        console.rule(m.method)
        for pl in m.placements:
            console.print(f"  {pl.applicant} → {pl.unit_code} {pl.park_name_zh} ({pl.score:.1f})")
        for un in m.unplaced:
            console.print(f"  [yellow]{un.applicant}: {un.zh} / {un.en}[/]")


def register_allocate(app: typer.Typer) -> None:
    @app.command("allocate")
    def allocate_cmd(
        applications: Annotated[Path, typer.Option(help="申请列表 JSON / applications file")],
        top_k: Annotated[int, typer.Option(help="每家候选数 / shortlist per applicant")] = 50,
        seed: Annotated[int, typer.Option(help="抽签种子 / lottery seed")] = 0,
        as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
    ) -> None:
        """分配建议 / Propose who gets which unit: optimal vs greedy vs deferred acceptance."""
        from matching.allocate import Application, propose
        from spacemap.database import get_engine, session_scope

        try:
            raw = json.loads(applications.read_text(encoding="utf-8"))
            apps = [Application.model_validate(a) for a in raw]
        except (OSError, ValueError) as exc:
            err.print(f"[red]申请文件无效 / invalid applications file[/] {applications}: {exc}")
            raise typer.Exit(2) from exc
        with session_scope(get_engine()) as session:
            proposal = propose(session, apps, get_settings().resolved_model_dir(), top_k, seed)
        if as_json:
            print(proposal.model_dump_json(indent=1))
        else:
            _print_proposal(proposal)
