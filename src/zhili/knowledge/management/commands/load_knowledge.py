"""``zhili load-knowledge PATH | --demo``: knowledge-base articles from a CSV (see ``knowledge.loader``)."""

from django.core.management.base import BaseCommand, CommandError

from zhili.datafiles import DataFileNotFound
from zhili.knowledge.loader import DEMO_FILE, load_articles


class Command(BaseCommand):
    help = ("载入知识库条目（CSV，列：标题,分类,提供单位,内容）。--demo 载入随 Zhili 提供的演示条目"
            "（非官方口径，每条注明“演示内容”）。按标题匹配，重复运行不产生重复条目。")

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="CSV 文件（可为 .xz/.gz）")
        parser.add_argument("--demo", action="store_true", help="载入演示知识库（济南/历下通用答复示例）")

    def handle(self, *args, path=None, demo=False, **options):
        if bool(path) == demo:
            raise CommandError("请给出 CSV 文件路径，或使用 --demo 载入演示知识库（二者选一）")
        try:
            result = load_articles(DEMO_FILE if demo else path, demo=demo)
        except (DataFileNotFound, OSError, ValueError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        label = "演示知识库" if demo else "知识库"
        self.stdout.write(f"{label}：新建 {result.created}，更新 {result.updated}，未变 {result.unchanged}")
