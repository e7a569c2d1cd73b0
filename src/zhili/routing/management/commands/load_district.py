from django.core.management.base import BaseCommand, CommandError

from zhili.datafiles import DataFileNotFound, data_path
from zhili.organisation.loader import load_place_aliases, load_units
from zhili.routing.catalogue import load_catalogue
from zhili.taxonomy.loader import load_taxonomy
from zhili.taxonomy.models import Category

DISTRICTS = {
    "lixia": {"code": "370102", "name": "济南市历下区", "divisions": "admin-divisions-lixia",
              "streets": "lixia_streets.csv", "communities": "lixia_communities.csv"},
}


class Command(BaseCommand):
    help = "载入一个区的街道、社区（国家统计局代码）、部门与企业、派单目录。重复运行不产生变化。"

    def add_arguments(self, parser):
        parser.add_argument("district", choices=sorted(DISTRICTS))
        parser.add_argument("--demo-aliases", action="store_true",
                            help="同时载入演示用地名别名（TipDM 匿名区名 → 街道）")

    def handle(self, *args, district, demo_aliases=False, **options):
        spec = DISTRICTS[district]
        try:
            if not Category.objects.exists():
                load_taxonomy(data_path("tipdm2020c/fj1_taxonomy.csv"))
                self.stdout.write("分类尚未载入，已先载入默认三级分类")
            result = load_units(
                district_code=spec["code"], district_name=spec["name"],
                streets=data_path(f"{spec['divisions']}/{spec['streets']}"),
                communities=data_path(f"{spec['divisions']}/{spec['communities']}"),
                departments=data_path(f"districts/{district}/departments.csv"),
            )
            catalogue = load_catalogue(data_path(f"districts/{district}/dispatch_catalogue.csv"))
            aliases = (load_place_aliases(data_path(f"districts/{district}/place_aliases_demo.csv"))
                       if demo_aliases else 0)
        except (DataFileNotFound, ValueError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        kinds = "，".join(f"{k} {v}" for k, v in sorted(result.by_kind.items()))
        self.stdout.write(
            f"{spec['name']}：单位新建 {result.created}、更新 {result.updated}、不变 {result.unchanged}（{kinds}）；"
            f"派单目录新建 {catalogue['created']}、更新 {catalogue['updated']}、不变 {catalogue['unchanged']}"
            + (f"；演示地名别名新建 {aliases}" if demo_aliases else "")
        )
