from django.core.management.base import BaseCommand, CommandError

from zhili.datafiles import DataFileNotFound, data_path
from zhili.taxonomy.loader import load_taxonomy


class Command(BaseCommand):
    help = "载入三级诉求分类（默认：data/tipdm2020c/fj1_taxonomy.csv）。重复运行不会产生重复节点。"

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="CSV 文件，列：一级分类,二级分类,三级分类")

    def handle(self, *args, path=None, **options):
        try:
            source = path or data_path("tipdm2020c/fj1_taxonomy.csv")
            result = load_taxonomy(source)
        except (DataFileNotFound, OSError, ValueError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        from zhili.taxonomy.models import Category

        counts = {level: Category.objects.filter(level=level).count() for level in (1, 2, 3)}
        self.stdout.write(
            f"分类：新建 {result.created}，已存在 {result.unchanged}；"
            f"一级 {counts[1]} / 二级 {counts[2]} / 三级 {counts[3]}"
        )
