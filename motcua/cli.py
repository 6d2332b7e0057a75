"""The `motcua` command (contract: "CLI").

Commands parse arguments, call the same use cases as the API and print; they never open a
transaction of their own (each use case owns its unit of work and commits).
"""
from __future__ import annotations

import json
import logging
import sys
from decimal import Decimal, InvalidOperation

import click

from motcua.clock import parse_instant
from motcua.config import ConfigError, load_settings


def _platform(ctx):
    if "platform" not in ctx.obj:
        from motcua.platform import build_platform
        ctx.obj["platform"] = build_platform(ctx.obj["settings"])
    return ctx.obj["platform"]


def _engine(ctx):
    return _platform(ctx).session_factory.kw["bind"]


@click.group()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Tệp cấu hình ghép lên cấu hình mặc định (mặc định: biến MOTCUA_CONFIG).")
@click.option("--instance", "instance_path", type=click.Path(file_okay=False), default=None,
              help="Thư mục dữ liệu của hệ thống, nơi có cơ sở dữ liệu SQLite "
                   "(mặc định: biến MOTCUA_INSTANCE, nếu không có thì ./instance).")
@click.pass_context
def main(ctx, config_path, instance_path):
    """Một Cửa: nền tảng xử lý thủ tục hành chính một cửa."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("apscheduler", "alembic", "waitress.queue"):  # every run of every job is not news
        logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        ctx.obj = {"settings": load_settings(config_path, instance=instance_path), "config_path": config_path}
    except ConfigError as err:
        raise click.ClickException(str(err))


def _service_failed(err) -> click.ClickException:
    """A use case's refusal, told on the console the way the API tells it."""
    for field, messages in (err.errors or {}).items():
        for message in messages:
            click.echo(f"    {field}: {message}", err=True)
    return click.ClickException(err.detail)


@main.command("init-db")
@click.pass_context
def init_db(ctx):
    """Tạo hoặc nâng cấp cơ sở dữ liệu (Alembic)."""
    from motcua.db.migrate import upgrade
    upgrade(_engine(ctx))
    click.echo("Cơ sở dữ liệu đã ở phiên bản mới nhất.")


@main.command("seed-demo")
@click.pass_context
def seed_demo(ctx):
    """Nạp tỉnh mẫu: cơ quan, người dùng mỗi vai trò và các thủ tục mẫu đi kèm gói cài đặt."""
    settings = ctx.obj["settings"]
    if settings.env == "production":
        raise click.ClickException("Không nạp dữ liệu mẫu khi MOTCUA_ENV=production.")
    from motcua.seed import DEMO_PASSWORD, seed_demo as run
    try:
        done = run(_platform(ctx))
    except ConfigError as err:
        raise click.ClickException(str(err))
    click.echo(f"Đã nạp {len(done)} mục. Mật khẩu mọi tài khoản mẫu: {DEMO_PASSWORD}")


@main.command("create-admin")
@click.argument("username")
@click.option("--password", required=True)
@click.option("--office", "office_code", default="TTPVHCC", show_default=True)
@click.pass_context
def create_admin(ctx, username, password, office_code):
    """Tạo tài khoản quản trị."""
    from motcua.errors import ServiceError
    from motcua.services.people import create_console_admin
    try:
        create_console_admin(_platform(ctx), username=username, password=password, office_code=office_code)
    except ServiceError as err:
        raise _service_failed(err)
    click.echo(f"Đã tạo tài khoản quản trị {username}.")


def _report_problems(path, problems) -> None:
    click.echo(f"✗ {path}", err=True)
    for p in problems:
        where = ", ".join(x for x in (f"dòng {p.line}" if p.line else "", p.element or "") if x)
        click.echo(f"    {('[' + where + '] ') if where else ''}{p.message}", err=True)


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.pass_context
def validate(ctx, directory):
    """Kiểm tra một thư mục thủ tục (hoặc thư mục chứa nhiều thủ tục) mà không công bố."""
    from engine.diagram_check import require_diagram
    from engine.package import compile_package, load_package_dir, package_dirs
    from engine.problems import PackageInvalid
    limits = ctx.obj["settings"].limits
    failed = 0
    folders = package_dirs(directory)
    if not folders:
        raise click.ClickException(f"Không có thủ tục nào (process.bpmn) trong {directory}.")
    for folder in folders:
        try:
            compiled = compile_package(load_package_dir(folder), max_bytes=int(limits["bpmn_max_bytes"]),
                                       max_depth=int(limits["bpmn_max_depth"]))
            # the library lint also wants the diagram (publishing accepts a diagram-less process)
            require_diagram((folder / "process.bpmn").read_bytes(), max_bytes=int(limits["bpmn_max_bytes"]),
                            max_depth=int(limits["bpmn_max_depth"]))
            click.echo(f"✓ {folder.name}: {compiled.manifest['name']} ({len(compiled.steps)} bước)")
            for w in compiled.warnings:
                click.echo(f"    ⚠ [{w.element or ''}] {w.message}", err=True)
        except PackageInvalid as err:
            failed += 1
            _report_problems(folder, err.problems)
    if failed:
        raise click.ClickException(f"{failed}/{len(folders)} thủ tục có lỗi.")


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.pass_context
def publish(ctx, directory):
    """Công bố thủ tục từ thư mục (mỗi lần nội dung đổi là một phiên bản mới)."""
    from engine.package import load_package_dir, package_dirs
    from engine.problems import PackageInvalid
    from motcua.errors import ServiceError
    from motcua.services.procedures import publish_from_console
    platform = _platform(ctx)
    for folder in package_dirs(directory):
        try:
            version = publish_from_console(platform, load_package_dir(folder))
        except PackageInvalid as err:
            _report_problems(folder, err.problems)
            raise click.ClickException("Không công bố được.")
        except ServiceError as err:
            for p in err.extra.get("problems", []):
                click.echo(f"    [{p.get('element') or ''}] {p['message']}", err=True)
            raise _service_failed(err)
        click.echo(f"✓ {version.manifest['code']} phiên bản {version.version}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Số tiến trình API (trên 1: máy chủ gunicorn; bộ lập lịch chạy riêng bằng `motcua scheduler`).")
@click.pass_context
def serve(ctx, host, port, threads, workers):
    """Chạy API (và bộ lập lịch trong cùng tiến trình nếu cấu hình cho phép)."""
    from waitress import serve as wsgi_serve
    from api import create_app, platform_of
    from motcua.db.migrate import upgrade
    settings = ctx.obj["settings"]
    if workers > 1:
        from motcua.serving import serve_workers
        serve_workers(settings, ctx.obj.get("config_path"), host=host, port=port, workers=workers, threads=threads)
        return
    app = create_app(settings)
    platform = platform_of(app)
    with app.app_context():
        upgrade(platform.session_factory.kw["bind"])
    sched = None
    if settings.section("scheduler")["in_process"]:
        from scheduler.runner import build
        sched = build(platform)
        sched.start()
    click.echo(f"Một Cửa đang chạy tại http://{host}:{port}/ (tài liệu API: http://{host}:{port}/api/docs)")
    try:
        wsgi_serve(app, host=host, port=port, threads=threads)
    finally:
        if sched is not None:
            sched.shutdown(wait=False)


@main.group(invoke_without_command=True)
@click.pass_context
def scheduler(ctx):
    """Chạy bộ lập lịch riêng (timer BPMN, theo dõi thời hạn)."""
    if ctx.invoked_subcommand is None:
        from scheduler.runner import build
        click.echo("Bộ lập lịch đang chạy (Ctrl+C để dừng).")
        build(_platform(ctx), blocking=True).start()


@scheduler.command("tick")
@click.option("--now", "now_text", required=True, help="Thời điểm ISO 8601 chạy các việc đến hạn.")
@click.pass_context
def scheduler_tick(ctx, now_text):
    """Chạy một lần mọi việc đến hạn tại thời điểm đã cho rồi thoát."""
    from scheduler.jobs import JobsFailed, tick
    try:
        now = parse_instant(now_text)
    except ValueError:
        raise click.BadParameter("cần thời điểm ISO 8601", param_hint="--now")
    try:
        result = tick(_platform(ctx), now)
    except JobsFailed as err:  # the other jobs ran; the failed ones run again at the next tick
        click.echo(json.dumps({"results": err.results, "failed": err.failed}, ensure_ascii=False, default=str))
        sys.exit(1)
    click.echo(json.dumps(result, ensure_ascii=False, default=str))


@main.command()
@click.option("--days", type=click.IntRange(1, 3660), required=True, help="Số ngày mô phỏng (ngày lịch).")
@click.option("--per-day", type=click.IntRange(0, 100000), required=True,
              help="Số hồ sơ tiếp nhận mỗi ngày làm việc.")
@click.option("--seed", type=int, default=1, show_default=True, help="Hạt giống ngẫu nhiên (cùng hạt giống, cùng kết quả).")
@click.option("--start", "start_text", default="2026-11-02T00:00:00+07:00", show_default=True,
              help="Thời điểm bắt đầu mô phỏng, ISO 8601.")
@click.option("--database-url", default=None,
              help="Cơ sở dữ liệu dùng để mô phỏng (mặc định: một tệp SQLite mới trong thư mục tạm).")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dưới dạng JSON.")
@click.pass_context
def simulate(ctx, days, per_day, seed, start_text, database_url, as_json):
    """Mô phỏng một giai đoạn của tỉnh trên chính hệ thống (đồng hồ mô phỏng), in thông lượng,
    tỷ lệ đúng hạn và chỉ số 766 của các tháng mô phỏng."""
    import tempfile
    from motcua.simulation.report import text_report
    from motcua.simulation.run import simulate as run
    settings = ctx.obj["settings"]
    if settings.env == "production":
        raise click.ClickException("Không chạy mô phỏng khi MOTCUA_ENV=production.")
    try:
        start = parse_instant(start_text)
    except ValueError:
        raise click.BadParameter("cần thời điểm ISO 8601", param_hint="--start")
    url = database_url or f"sqlite:///{tempfile.mkdtemp(prefix='motcua-sim-')}/simulation.sqlite"
    from motcua.clock import Clock
    from motcua.config import load_settings as load
    from motcua.db.migrate import upgrade
    from motcua.platform import build_platform
    import os
    sim_settings = load(ctx.obj.get("config_path"), environ={**os.environ, "DATABASE_URL": url,
                                                               "MOTCUA_CLOCK_START": ""},
                        instance=settings.instance_path)
    sim_settings.clock_start = None
    platform = build_platform(sim_settings, clock=Clock(start))
    upgrade(platform.session_factory.kw["bind"])
    click.echo(f"Cơ sở dữ liệu mô phỏng: {url}", err=True)
    logging.getLogger().setLevel(logging.WARNING)  # the progress bar, not every step, on stderr
    result = run(platform, days=days, per_day=per_day, seed=seed, start=start)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str) if as_json else text_report(result))


@main.group()
def calendar():
    """Lịch làm việc và thời hạn."""


@calendar.command("deadline")
@click.option("--office", "office_code", default=None, help="Mã cơ quan (mặc định: giờ làm việc chung).")
@click.option("--start", "start_text", required=True, help="Thời điểm tiếp nhận, ISO 8601.")
@click.option("--days", "days_text", required=True, help="Số ngày làm việc (có thể lẻ: 0.5).")
@click.option("--explain/--no-explain", default=False, help="In thêm giải thích bằng tiếng Việt.")
@click.pass_context
def calendar_deadline(ctx, office_code, start_text, days_text, explain):
    """In clock_start và due_at."""
    from motcua.errors import ServiceError
    from motcua.services.calendar_admin import deadline
    try:
        start = parse_instant(start_text)
        days = Decimal(days_text)
    except (ValueError, InvalidOperation):
        raise click.BadParameter("--start cần ISO 8601, --days cần một số")
    try:
        result = deadline(_platform(ctx), office_code, start, days)
    except ServiceError as err:
        raise click.ClickException(err.detail)
    click.echo(f"clock_start: {result['clock_start'].isoformat()}")
    click.echo(f"due_at: {result['due_at'].isoformat()}")
    if explain:
        click.echo(result["explanation"])


@main.group()
def audit():
    """Kiểm tra tính toàn vẹn lịch sử hồ sơ."""


@audit.command("verify")
@click.option("--replay/--no-replay", default=False, help="Dựng lại quy trình của từng hồ sơ (chậm hơn).")
@click.option("--full", is_flag=True, default=False,
              help="Băm lại mọi sự kiện, không dựa vào điểm đã kiểm tra trước của mỗi hồ sơ (chậm hơn).")
@click.pass_context
def audit_verify(ctx, replay, full):
    """Kiểm tra chuỗi băm sự kiện của mọi hồ sơ (và dựng lại quy trình nếu có --replay).

    Mặc định chỉ băm các sự kiện mới sau lần kiểm tra trước; --full băm lại toàn bộ."""
    from motcua.services.audit import verify_all
    result = verify_all(_platform(ctx), progress=True, replay_too=replay, full=full)
    click.echo(f"Đã kiểm tra {result['checked']} hồ sơ; {len(result['broken'])} hồ sơ có lịch sử bị thay đổi.")
    for code in result["broken"]:
        click.echo(f"  ✗ {code} (sự kiện #{result['first_broken'][code]})")
    failed = bool(result["broken"])
    if replay:
        click.echo(f"{len(result['inconsistent'])} hồ sơ có trạng thái không khớp với lịch sử.")
        for code in result["inconsistent"]:
            click.echo(f"  ✗ {code} (lệch từ sự kiện #{result['diverged_at'][code]})")
        failed = failed or bool(result["inconsistent"])
    if not result["calendar_chain_valid"]:
        click.echo(f"  ✗ lịch sử thay đổi lịch làm việc bị sửa (sự kiện #{result['calendar_first_broken']})")
        failed = True
    if failed:
        sys.exit(1)


@audit.command("export")
@click.argument("code")
@click.pass_context
def audit_export(ctx, code):
    """In lịch sử của hồ sơ dưới dạng JSON kiểm chứng được (chỉ cần sha256)."""
    from motcua.errors import ServiceError
    from motcua.services.audit import export_history
    try:
        document = export_history(_platform(ctx), None, code)
    except ServiceError as err:
        raise click.ClickException(err.detail)
    click.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


@main.command()
@click.argument("code")
@click.pass_context
def replay(ctx, code):
    """Dựng lại quy trình của hồ sơ từ lịch sử và so với trạng thái đã lưu."""
    from motcua.errors import ServiceError
    from motcua.services.audit import audit_dossier
    try:
        result = audit_dossier(_platform(ctx), None, code)
    except ServiceError as err:
        raise click.ClickException(err.detail)
    click.echo(json.dumps({"chain_valid": result["chain_valid"], "replay": result["replay"]},
                          ensure_ascii=False, indent=2, default=str))
    if not (result["chain_valid"] and result["replay"]["consistent"]):
        sys.exit(1)


def _migration_map(pairs) -> dict:
    out = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise click.BadParameter(f"«{pair}» phải có dạng mã_cũ=mã_mới.", param_hint="--map")
        out[old.strip()] = new.strip()
    return out


@main.command()
@click.argument("code")
@click.option("--from", "from_version", type=int, required=True, help="Phiên bản hồ sơ đang theo.")
@click.option("--to", "to_version", type=int, required=True, help="Phiên bản chuyển sang.")
@click.option("--dry-run", is_flag=True, help="Chỉ xem trước: không ghi gì.")
@click.option("--map", "pairs", multiple=True, metavar="OLD=NEW", help="Bước đổi mã: mã_cũ=mã_mới (nhiều lần).")
@click.option("--dossier", "dossiers", multiple=True, help="Chỉ các hồ sơ này (nhiều lần); mặc định mọi hồ sơ đang "
                                                          "giải quyết của phiên bản cũ.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@click.pass_context
def migrate(ctx, code, from_version, to_version, dry_run, pairs, dossiers, as_json):
    """Chuyển hồ sơ đang giải quyết sang phiên bản mới của thủ tục (xem trước với --dry-run)."""
    from motcua.errors import ServiceError
    from motcua.services.migrations import migrate as run

    def progress(done, total):
        click.echo(f"\r  {done}/{total} hồ sơ", nl=done == total, err=True)
    try:
        result = run(_platform(ctx), None, code, from_version=from_version, to_version=to_version,
                     dossiers=list(dossiers) or None, dry_run=dry_run, id_map=_migration_map(pairs),
                     progress=progress)
    except ServiceError as err:
        raise _service_failed(err)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for item in result["items"]:
            mark = "✓" if item["migratable"] else "✗"
            click.echo(f"{mark} {item['code']}")
            for change in item["changes"]:
                if change["kind"] == "step":
                    a, b = change["before"], change["after"]
                    click.echo(f"    {a['name']} ({a['step']}, {a['office_name']}) → {b['name']} ({b['step']}, "
                               f"{b['office_name']}); hạn {a['due_at']} → {b['due_at']} "
                               f"({change['due_moved_days']} ngày làm việc)")
                elif change["kind"] == "dossier":
                    click.echo(f"    hạn trả kết quả {change['before']['due_at']} → {change['after']['due_at']} "
                               f"({change['due_moved_days']} ngày làm việc)")
                elif change["kind"] == "form":
                    click.echo(f"    biểu mẫu {change['form']}: thêm {change['added']}, bỏ {change['removed']}, "
                               f"đổi {change['changed']}")
            for problem in item["problems"]:
                click.echo(f"    {problem['message']}")
        ready = sum(1 for i in result["items"] if i["migratable"])
        verb = "có thể chuyển" if dry_run else "đã chuyển"
        click.echo(f"{ready if dry_run else result['migrated']}/{len(result['items'])} hồ sơ {verb} từ phiên bản "
                   f"{from_version} sang {to_version}.")
    if not dry_run and result["migrated"] < len(result["items"]):
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
